import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kit/clock.js";
import { startIntake, type DatadogIntake } from "../helpers/datadog-intake.js";
import { loadTestConfig, startTestHub, type TestHubOptions } from "../helpers/hub.js";
import { OpenhabServer } from "../helpers/openhab-server.js";
import { RecordingServer, type Reply } from "../helpers/recorder.js";
import { TestSmtpServer } from "../helpers/smtp.js";
import { waitFor } from "../helpers/wait.js";
import { queryStore } from "../helpers/store.js";

interface Push {
  topic: string;
  title: string;
  message: string;
}

/**
 * The built-in hearth.* monitors, each provoked for real on a live hub: a refused Datadog key, a
 * Datadog outage reaching towards the one-hour window, a store filling up, an integration down
 * for longer than ten minutes, and a notification channel failing (reported by another channel).
 * The operators (every recipient, by default) are told through a local ntfy server.
 */
describe("Hearth watching itself", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function hub(clock: ManualClock, opts: TestHubOptions & { ntfyAnswer?: (n: number) => Reply }) {
    let count = 0;
    const ntfy = await new RecordingServer(() => opts.ntfyAnswer?.(count++) ?? { status: 200, body: "{}" }).start();
    cleanups.push(() => ntfy.stop());
    const config = {
      ...opts.config,
      notify: {
        retry: { min: "10s", max: "40s" },
        ntfy: { url: ntfy.url },
        ...((opts.config?.notify as object) ?? {}),
        recipients: { alex: { ntfy: "alex-topic" }, ...((opts.config?.notify as { recipients?: object })?.recipients ?? {}) },
      },
    };
    const t = await startTestHub({ ...opts, clock, config });
    cleanups.push(() => t.stop());
    const pushes = () => ntfy.requests.map((r) => JSON.parse(r.body) as Push);
    const titles = () => pushes().map((p) => p.title);
    return { t, ntfy, pushes, titles };
  }

  const minutes = (clock: ManualClock, n: number) => {
    for (let i = 0; i < n; i++) clock.advance(60_000);
  };

  it("hearth.datadog_key: Datadog refusing the API key alerts the operators, and a reload with a good key recovers", async () => {
    const clock = new ManualClock(Date.parse("2026-01-07T12:00:00Z"));
    const intake: DatadogIntake = await startIntake({ apiKeys: ["the-right-key"], now: () => clock.now() });
    cleanups.push(() => intake.stop());
    const { t, titles, pushes } = await hub(clock, {
      env: { DD_API_KEY: "a-revoked-key" },
      config: { datadog: { api_key: "${DD_API_KEY}", url: intake.url } },
    });
    t.hub.pipeline.addSample({ metric: "my_metric", value: 512, tags: [], time: clock.now(), kind: "gauge" });
    clock.advance(10_000);
    await waitFor(() => t.hub.health.get("datadog")?.info?.code === "HEARTH_E_DATADOG_KEY_REFUSED", "the refused key on /healthz");
    minutes(clock, 1);
    await waitFor(() => titles().includes("[Triggered] Hearth: Datadog refuses the API key"), "the alert");
    expect(pushes()[0]!.message).toMatch(
      /^Datadog refuses Hearth's API key \(403\): nothing reaches Datadog, every point waits in the local store\. Set a valid datadog\.api_key .*\nHEARTH_E_DATADOG_KEY_REFUSED: /s,
    );

    await t.hub.reload(loadTestConfig(t.configFile, t.rulesDir, { DD_API_KEY: "the-right-key" }));
    await waitFor(() => intake.points.length > 0, "the waiting point delivered");
    // The intake has the point before Hearth has its answer and records the delivery.
    await waitFor(() => t.hub.health.get("datadog")?.state === "ok", "the delivery recorded");
    minutes(clock, 1);
    await waitFor(() => titles().includes("[Recovered] Hearth: Datadog refuses the API key"), "the recovery");
  });

  it("hearth.datadog_backlog: points waiting for Datadog warn at 30 minutes and alert at 45, before its one-hour window closes", async () => {
    const clock = new ManualClock(Date.parse("2026-01-07T12:00:00Z"));
    const intake = await startIntake({ apiKeys: ["key"], now: () => clock.now() });
    cleanups.push(() => intake.stop());
    await intake.stop(); // the internet is down
    const { t, titles, pushes } = await hub(clock, {
      env: { DD_API_KEY: "key" },
      config: { datadog: { api_key: "${DD_API_KEY}", url: intake.url }, forward: { backoff: { min: "1s", max: "1m" } } },
    });
    t.hub.pipeline.addSample({ metric: "my_metric", value: 512, tags: [], time: clock.now(), kind: "gauge" });
    minutes(clock, 29);
    await waitFor(() => t.hub.health.get("datadog")?.state === "degraded", "Datadog unreachable");
    expect(titles()).toEqual([]);
    minutes(clock, 1);
    await waitFor(() => titles().length === 1, "the warning");
    minutes(clock, 15);
    await waitFor(() => titles().length === 2, "the alert");
    expect(titles()).toEqual(["[Warn] Hearth: points wait for Datadog", "[Triggered] Hearth: points wait for Datadog"]);
    expect(pushes()[1]!.message).toMatch(/^The oldest point not yet delivered to Datadog is 45 minutes old\. Datadog does not take points older than one hour/);

    await intake.start();
    // The sink retries on its backoff (at most a minute here). An attempt still failing when the
    // clock moved schedules its retry from then, so story time moves on, 5 s a poll, until it is made.
    const retryBy = clock.now() + 5 * 60_000;
    await waitFor(() => {
      if (intake.points.length > 0) return true;
      if (clock.now() < retryBy) clock.advance(5_000);
      return false;
    }, "the waiting point delivered");
    // The intake has the point before Hearth has its answer and records the delivery.
    await waitFor(() => t.hub.health.get("datadog")?.state === "ok", "the delivery recorded");
    minutes(clock, 1);
    await waitFor(() => titles().length === 3, "the recovery");
    expect(titles()[2]).toBe("[Recovered] Hearth: points wait for Datadog");
  });

  it("hearth.store_size, with its thresholds replaced in rules: undelivered points filling storage.max_bytes alert before any is dropped", async () => {
    const clock = new ManualClock(Date.parse("2026-01-07T12:00:00Z"));
    const intake = await startIntake({ apiKeys: ["key"], now: () => clock.now() });
    cleanups.push(() => intake.stop());
    await intake.stop();
    const { t, titles, pushes } = await hub(clock, {
      env: { DD_API_KEY: "key" },
      config: { datadog: { api_key: "${DD_API_KEY}", url: intake.url }, storage: { max_bytes: "1MiB" }, forward: { backoff: { min: "1m", max: "1m" } } },
      rules: { "hearth.yaml": { version: 1, monitors: [{ name: "hearth.store_size", type: "hearth", thresholds: { warning: 30, critical: 50 } }] } },
    });
    let round = 0;
    while (t.hub.store.usedBytes() < 0.55 * 1_048_576) {
      for (let s = 0; s < 300; s++)
        t.hub.pipeline.addSample({ metric: "power.watts", value: round + s, tags: [`device:plug${s}`], time: clock.now(), kind: "gauge" });
      clock.advance(10_000);
      await t.hub.store.idle(); // the flush is written on the store's thread
      round++;
      expect(round).toBeLessThan(200);
    }
    minutes(clock, 1);
    await waitFor(() => titles().includes("[Triggered] Hearth: the local store is filling up"), "the alert");
    expect(pushes().find((p) => p.title.startsWith("[Triggered]"))!.message).toMatch(
      /^Points not yet delivered take 5\d(\.\d)?% of storage\.max_bytes: once it is full, the oldest of them are dropped\./,
    );
    expect(t.logs.entries.some((e) => e.code === "HEARTH_E_STORE_FULL")).toBe(false);
  });

  it("a rules entry with enabled: false turns a built-in monitor off", async () => {
    const clock = new ManualClock(Date.parse("2026-01-07T12:00:00Z"));
    const { t } = await hub(clock, { rules: { "hearth.yaml": { version: 1, monitors: [{ name: "hearth.store_size", type: "hearth", enabled: false }] } } });
    minutes(clock, 2);
    const monitors = async () => ((await (await fetch(`${t.httpUrl}/api/alerts`)).json()) as { alerts: { monitor: string }[] }).alerts.map((a) => a.monitor);
    expect(await monitors()).toEqual([]);
    fs.rmSync(path.join(t.rulesDir, "hearth.yaml"));
    await t.hub.reload(loadTestConfig(t.configFile, t.rulesDir));
    minutes(clock, 1);
    expect(await monitors()).toEqual(["hearth.store_size"]);
  });

  it("hearth.component_down: an integration down for ten minutes alerts, naming it and why; a fixed token recovers it", async () => {
    const clock = new ManualClock(Date.parse("2026-01-07T12:00:00Z"));
    const openhab = await new OpenhabServer([], { token: "oh.right" }).start();
    cleanups.push(async () => openhab.stop());
    const { t, titles, pushes } = await hub(clock, {
      env: { OPENHAB_TOKEN: "oh.wrong" },
      config: { integrations: { house: { type: "openhab", url: openhab.url, token: "${OPENHAB_TOKEN}" } } },
    });
    await waitFor(() => t.hub.health.get("integration:house")?.state === "degraded", "the refused token");
    minutes(clock, 10);
    expect(titles()).toEqual([]);
    minutes(clock, 1);
    await waitFor(() => titles().length === 1, "the alert");
    expect(pushes()[0]).toMatchObject({ title: "[Triggered on integration:house] Hearth: a component is down" });
    expect(pushes()[0]!.message).toMatch(/^integration:house has not been working for 10m: (degraded|retrying): HEARTH_E_INTEGRATION_AUTH/);

    await t.hub.reload(loadTestConfig(t.configFile, t.rulesDir, { OPENHAB_TOKEN: "oh.right" }));
    await waitFor(() => t.hub.health.get("integration:house")?.state === "ok", "openHAB connected");
    minutes(clock, 1);
    await waitFor(() => titles().length === 2, "the recovery");
    expect(pushes()[1]).toMatchObject({ title: "[Recovered on integration:house] Hearth: a component is down", message: "integration:house works again." });
  }, 30_000);

  it("hearth.notify_failing: a channel failing again and again is reported through the recipient's other channel, never queued behind itself", async () => {
    const clock = new ManualClock(Date.parse("2026-01-07T12:00:00Z"));
    const smtp = await new TestSmtpServer().start();
    cleanups.push(() => smtp.stop());
    let ntfyUp = false;
    const { t, ntfy } = await hub(clock, {
      ntfyAnswer: () => (ntfyUp ? { status: 200, body: "{}" } : { status: 502, body: "Bad Gateway" }),
      config: {
        notify: {
          smtp: { host: "127.0.0.1", port: smtp.port, security: "none", from: "hearth@example.com" },
          recipients: { alex: { ntfy: "alex-topic", email: "alex@example.com" } },
        },
      },
      rules: { "house.yaml": { version: 1, monitors: [{ name: "too warm", query: "last(last_1h):temp{*} > 30", recipients: ["alex"] }] } },
    });
    const subjects = () => smtp.received.map((m) => m.mail.subject);
    t.hub.pipeline.addSample({ metric: "temp", value: 35, tags: [], time: clock.now(), kind: "gauge" });
    minutes(clock, 1);
    await waitFor(() => subjects().includes("[Triggered] too warm") && ntfy.requests.length === 1, "the alert by email, and ntfy's first 502");
    for (let i = 0; i < 3; i++) {
      const before = ntfy.requests.length;
      clock.advance(40_000);
      await waitFor(() => ntfy.requests.length > before, "another attempt on ntfy");
    }
    minutes(clock, 1);
    await waitFor(() => subjects().includes("[Triggered] Hearth: notifications to alex by ntfy fail"), "the report by email");
    const report = smtp.received.find((m) => m.mail.subject === "[Triggered] Hearth: notifications to alex by ntfy fail")!;
    expect(report.mail.text).toMatch(
      /^Notifications to alex by ntfy failed \d+ times in a row: 502 Bad Gateway\. They wait in the outbox and are retried; this message comes by the recipients' other channels\./,
    );
    const lanes = () =>
      queryStore<{ channel: string; monitor: string; status: string }>(t.dir, "SELECT channel, monitor, status FROM notifications ORDER BY id");
    // The server has the mail; Hearth marks it sent once the SMTP transaction has ended.
    await waitFor(() => lanes().some((r) => r.monitor === "hearth.notify_failing" && r.status !== "pending"), "the report marked as delivered");
    expect(lanes().filter((r) => r.monitor === "hearth.notify_failing")).toEqual([{ channel: "email", monitor: "hearth.notify_failing", status: "sent" }]);

    ntfyUp = true;
    clock.advance(40_000);
    await waitFor(() => lanes().every((r) => r.status === "sent"), "ntfy taking the waiting alert");
    minutes(clock, 1);
    await waitFor(() => subjects().includes("[Recovered] Hearth: notifications to alex by ntfy fail"), "the recovery by email");
    expect(
      lanes()
        .filter((r) => r.monitor === "hearth.notify_failing")
        .map((r) => r.channel),
    ).toEqual(["email", "email"]);
    expect(JSON.parse(ntfy.requests.at(-1)!.body)).toMatchObject({ title: "[Triggered] too warm" });
  });
});
