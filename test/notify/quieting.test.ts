import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kit/clock.js";
import { runCli } from "../helpers/cli.js";
import { startTestHub, writeTestConfig, type TestHub } from "../helpers/hub.js";
import { mosquittoPub } from "../helpers/mqtt.js";
import { freePort } from "../helpers/ports.js";
import { RecordingServer } from "../helpers/recorder.js";
import { waitFor } from "../helpers/wait.js";
import { queryStore } from "../helpers/store.js";

const rules = {
  version: 1,
  mappings: [
    { topic: "sensors/+room/temperature", metric: "temp", tags: ["room:{room}"] },
    { topic: "tank/+tank/ph", metric: "hydro.ph", tags: ["tank:{tank}"] },
  ],
  monitors: [
    { name: "too warm", query: "last(last_1h):temp{*} by {room} > 30", recipients: ["alex"] },
    { name: "tank pH", query: "last(last_1h):hydro.ph{tank:tank1} > 6.5", renotify_interval: "5m", recipients: ["alex", "sam"] },
  ],
};

interface Push {
  topic: string;
  title: string;
  message: string;
}

/**
 * Snoozes, one-off downtimes and acknowledgements on a live hub, through the HTTP API and the
 * `hearth` commands that use it, with every notification delivered to a local ntfy server. The
 * steps share one hub and one clock, and each starts where the one before it left off.
 */
describe.sequential("quieting on purpose, a sequence of steps on one hub", () => {
  const ntfy = new RecordingServer(() => ({ status: 200, body: "{}" }));
  const clock = new ManualClock(Date.parse("2026-01-07T12:00:00Z"));
  let t: TestHub;
  const config = () => ({
    notify: {
      ntfy: { url: ntfy.url },
      recipients: { alex: { ntfy: "alex-topic" }, sam: { ntfy: "sam-topic" } },
    },
  });

  const pushes = (): Push[] => ntfy.requests.map((r) => JSON.parse(r.body) as Push);
  const since = (n: number) => pushes().slice(n);
  const pendingCount = () => queryStore<{ n: number }>(t.dir, "SELECT count(*) AS n FROM notifications WHERE status = 'pending'")[0]!.n;
  const delivered = () => waitFor(() => pendingCount() === 0, "every notification sent");
  const publish = async (topic: string, value: number) => {
    const before = t.samples.length;
    await mosquittoPub(t.mqttPort, topic, String(value));
    await waitFor(() => t.samples.length > before, `the sample from ${topic}`);
  };
  /** Moves time on a minute at a time, as the hub would live. */
  const minutes = async (n: number) => {
    for (let i = 0; i < n; i++) clock.advance(60_000);
    await delivered();
  };
  const api = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${t.httpUrl}${route}`, {
      method,
      ...(body ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const cli = (...args: string[]) => runCli([...args, "--config", t.configFile], { env: { HEARTH_HTTP_PORT: String(t.hub.http.port) } });

  beforeAll(async () => {
    await ntfy.start();
    t = await startTestHub({ clock, config: config(), rules: { "house.yaml": rules } });
    await publish("sensors/kitchen/temperature", 20);
    await publish("sensors/bath/temperature", 21);
    await minutes(1);
  });
  afterAll(async () => {
    await t.stop();
    await ntfy.stop();
  });

  it("snoozes one group: its alert is held and announced, the other group still notifies", async () => {
    const snoozed = await api("POST", "/api/snoozes", {
      monitor: "too warm",
      group: "room:kitchen",
      for: "30m",
      reason: "cleaning the oven",
      by: "alex@laptop",
      timezone: "Europe/Berlin",
    });
    expect(snoozed).toEqual({
      status: 201,
      body: {
        snooze: {
          id: 1,
          kind: "snooze",
          monitor: "too warm",
          group: "room:kitchen",
          start: "2026-01-07T12:01:00Z",
          end: "2026-01-07T12:31:00Z",
          end_local: "2026-01-07T13:31:00+01:00",
          reason: "cleaning the oven",
          by: "alex@laptop",
          recipients: ["alex"],
        },
      },
    });
    await delivered();
    expect(pushes()).toEqual([
      expect.objectContaining({
        topic: "alex-topic",
        title: "Snoozed: too warm {room:kitchen} until Wed 13:31: cleaning the oven",
        message:
          "too warm {room:kitchen} is snoozed by alex@laptop from Wed 2026-01-07 13:01 +01:00 until Wed 2026-01-07 13:31 +01:00 (30m): cleaning the oven.\nIts notifications are held until then; if it is still not OK when the snooze ends, you hear about it then.",
      }),
    ]);
    await publish("sensors/kitchen/temperature", 35);
    await publish("sensors/bath/temperature", 33);
    await minutes(1);
    expect(since(1).map((p) => p.title)).toEqual(["[Triggered on {room:bath}] too warm"]);
    expect((await api("GET", "/api/alerts")).body.alerts).toEqual(
      expect.arrayContaining([expect.objectContaining({ monitor: "too warm", group: "room:kitchen", state: "ALERT", muted: true, muted_by: "snooze #1" })]),
    );
  });

  it("lists the snooze and keeps it, and every alert's state, through a restart: nothing is announced or notified twice", async () => {
    const sent = pushes().length;
    await t.hub.stop();
    t = await startTestHub({ clock, dir: t.dir, config: config(), rules: { "house.yaml": rules } });
    await minutes(2);
    expect(since(sent)).toEqual([]);
    const alerts = (await api("GET", "/api/alerts")).body.alerts as Record<string, unknown>[];
    expect(alerts.filter((a) => a.monitor === "too warm")).toEqual([
      { monitor: "too warm", type: "metric", group: "room:bath", state: "ALERT", value: 33, since: "2026-01-07T12:02:00Z", muted: false },
      {
        monitor: "too warm",
        type: "metric",
        group: "room:kitchen",
        state: "ALERT",
        value: 35,
        since: "2026-01-07T12:02:00Z",
        muted: true,
        muted_by: "snooze #1",
      },
    ]);
    const listed = await cli("downtime", "list");
    expect(listed.stdout).toContain("  1  snooze of too warm {room:kitchen} until Wed 2026-01-07 13:31 +01:00 by alex@laptop: cleaning the oven");
    expect(listed.code).toBe(0);
  });

  it("ends the snooze on time with what happened meanwhile, and the alert that is still on", async () => {
    const sent = pushes().length;
    clock.advanceTo(Date.parse("2026-01-07T12:31:00Z"));
    await delivered();
    expect(since(sent)).toEqual([
      {
        topic: "alex-topic",
        title: "Snooze of too warm {room:kitchen} ended: 1 change while muted, 1 still not OK",
        message: [
          "Snooze of too warm {room:kitchen} (Europe/Berlin) ended; it was in force from Wed 2026-01-07 13:01 +01:00 to Wed 2026-01-07 13:31 +01:00.",
          "",
          "While it was in force:",
          "  Wed 2026-01-07 13:02 +01:00  too warm {room:kitchen}: OK → ALERT (value 35)",
          "1 notification was muted.",
          "",
          "Still not OK:",
          "  too warm {room:kitchen}: ALERT since Wed 2026-01-07 13:02 +01:00 (value 35)",
        ].join("\n"),
        priority: 2,
        tags: ["zzz"],
      },
      expect.objectContaining({ topic: "alex-topic", title: "[Triggered on {room:kitchen}] too warm" }),
    ]);
    expect((await api("GET", "/api/downtimes")).body.one_offs).toEqual([]);
  });

  it("holds a one-off downtime's alerts for the groups in its scope, tells every monitor's recipients, and on cancel sends what is still on", async () => {
    await publish("sensors/bath/temperature", 20);
    await minutes(1);
    const sent = pushes().length;
    const added = await cli("downtime", "add", "--for", "3h", "--scope", "room:bath", "--reason", "window open");
    expect(added.stdout).toMatch(/^Downtime set:\n {2}2 {2}downtime of every monitor tagged room:bath until .+: window open\nTold: alex, sam\.\n$/);
    expect(added.code).toBe(0);
    await delivered();
    expect(since(sent).map((p) => [p.topic, p.title])).toEqual([
      ["alex-topic", expect.stringMatching(/^Downtime 2 until .+: window open$/)],
      ["sam-topic", expect.stringMatching(/^Downtime 2 until .+: window open$/)],
    ]);
    await publish("sensors/bath/temperature", 34);
    await publish("sensors/kitchen/temperature", 21);
    await minutes(1);
    expect(since(sent + 2).map((p) => p.title)).toEqual(["[Recovered on {room:kitchen}] too warm"]);

    const canceled = await cli("downtime", "cancel", "2");
    expect(canceled.stdout).toContain("Canceled:\n  2  downtime of every monitor tagged room:bath until");
    await delivered();
    expect(since(sent + 3).map((p) => [p.topic, p.title])).toEqual([
      ["alex-topic", "Downtime 2 on room:bath was canceled: 1 change while muted, 1 still not OK"],
      ["sam-topic", "Downtime 2 on room:bath was canceled: 1 change while muted, 1 still not OK"],
      ["alex-topic", "[Triggered on {room:bath}] too warm"],
    ]);
  });

  it("acknowledges an alert: its reminders stop and everyone is told; a recovery clears it, so the next alert reminds again", async () => {
    await publish("tank/tank1/ph", 7.1);
    await minutes(1);
    let sent = pushes().length;
    await minutes(5);
    expect(since(sent).map((p) => [p.topic, p.title])).toEqual([
      ["alex-topic", "[Still triggered] tank pH"],
      ["sam-topic", "[Still triggered] tank pH"],
    ]);
    sent = pushes().length;
    const acked = await cli("ack", "tank pH");
    expect(acked.stdout).toMatch(/^Acknowledged \(no reminders until the state changes\):\n {2}tank pH: ALERT since 2026-01-07T12:\d\d:00Z\n$/);
    await delivered();
    expect(since(sent).map((p) => [p.topic, p.title, p.message])).toEqual([
      [
        "alex-topic",
        "[Acknowledged] tank pH",
        expect.stringMatching(/ acknowledged tank pH, ALERT since 2026-01-07 12:\d\d:00 UTC: no reminders until its state changes\.$/),
      ],
      ["sam-topic", "[Acknowledged] tank pH", expect.any(String)],
    ]);
    expect((await cli("downtime", "list")).stdout).toMatch(/Acknowledged:\n {2}tank pH: ALERT since .+, acknowledged .+ by /);
    await minutes(15);
    expect(since(sent + 2)).toEqual([]);

    await publish("tank/tank1/ph", 6.1);
    await minutes(1);
    await publish("tank/tank1/ph", 7.3);
    await minutes(6);
    expect(since(sent + 2).map((p) => p.title)).toEqual([
      "[Recovered] tank pH",
      "[Recovered] tank pH",
      "[Triggered] tank pH",
      "[Triggered] tank pH",
      "[Still triggered] tank pH",
      "[Still triggered] tank pH",
    ]);
  });

  it("refuses what cannot be done, saying what was meant", async () => {
    expect(await api("POST", "/api/snoozes", { monitor: "to warm", for: "1h" })).toEqual({
      status: 404,
      body: { error: 'no monitor named "to warm" (did you mean "too warm"?)', code: "HEARTH_E_REQUEST_INVALID" },
    });
    expect(await api("POST", "/api/snoozes", { monitor: "too warm", group: "room:kitchn", for: "1h" })).toMatchObject({
      status: 404,
      body: { error: expect.stringContaining('has no group "room:kitchn" (did you mean "room:kitchen"?)') as unknown },
    });
    expect(await api("POST", "/api/downtimes", { for: "soon" })).toEqual({
      status: 400,
      body: { error: 'for: expected a duration such as "30m", "2h" or "1d"', code: "HEARTH_E_REQUEST_INVALID" },
    });
    expect(await api("DELETE", "/api/downtimes/99")).toMatchObject({ status: 404 });
    const ack = await cli("ack", "too warm", "--group", "room:kitchen");
    expect(ack.stderr).toBe("hearth: nothing to acknowledge: too warm {room:kitchen} is OK (HEARTH_E_REQUEST_INVALID)\n");
    expect(ack.code).toBe(1);
    const usage = await cli("snooze", "too warm", "--for", "a while");
    expect(usage.stderr).toContain('--for "a while" is not a duration');
    expect(usage.code).toBe(2);
  });

  it("says clearly when no hub is running", async () => {
    const port = await freePort();
    const { dir, configFile } = writeTestConfig({ config: { http: { host: "127.0.0.1", port } } });
    const r = await runCli(["snooze", "too warm", "--for", "1h", "--config", configFile]);
    expect(r.stderr).toBe(
      `hearth: no Hearth is running at http://127.0.0.1:${port} (http.host and http.port of ${configFile}): nothing listens there (HEARTH_E_HUB_NOT_RUNNING: Start it with \`hearth start\`, or pass the same --config the hub runs with (or HEARTH_HTTP_PORT) so the command finds its port.)\n`,
    );
    expect(r.code).toBe(1);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
