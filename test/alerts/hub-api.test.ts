import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kit/clock.js";
import { loadTestConfig, startTestHub, type TestHub } from "../helpers/hub.js";
import { mosquittoPub } from "../helpers/mqtt.js";
import { waitFor } from "../helpers/wait.js";

const rules = {
  version: 1,
  mappings: [{ topic: "sensors/+room/temperature", metric: "temp", tags: ["room:{room}"] }],
  monitors: [{ name: "too warm", query: "max(last_5m):temp{*} by {room} > 30", recipients: ["alex"], calendars: ["nights"] }],
  calendars: [{ name: "nights", timezone: "Europe/Berlin", windows: [{ from: "22:00", to: "06:00" }], recipients: ["alex"] }],
};

/** A real hub (broker, HTTP) whose pipeline and alerts run on a ManualClock, fed by mosquitto_pub. */
describe("alerts in the live hub", () => {
  let t: TestHub;
  const clock = new ManualClock(Date.parse("2026-01-07T12:00:00Z"));
  const get = async (path: string) => {
    const res = await fetch(`${t.httpUrl}${path}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    t = await startTestHub({ clock, config: { notify: { recipients: { alex: {} } } }, rules: { "house.yaml": rules } });
    await mosquittoPub(t.mqttPort, "sensors/kitchen/temperature", "35");
    await waitFor(() => t.samples.some((s) => s.metric === "temp"), "the temperature sample");
    clock.advance(60_000);
  });
  afterAll(() => t.stop());

  it("serves the monitor's groups on /api/alerts, as the status page reads them, with Hearth's own monitors", async () => {
    expect(await get("/api/alerts")).toEqual({
      status: 200,
      body: {
        alerts: [
          { monitor: "too warm", type: "metric", group: "room:kitchen", state: "ALERT", value: 35, since: "2026-01-07T12:01:00Z", muted: false },
          { monitor: "hearth.store_size", type: "hearth", group: "*", state: "OK", value: 0, since: "2026-01-07T12:01:00Z", muted: false },
        ],
      },
    });
  });

  it("logs every decision with its whole record until delivery takes over", () => {
    const line = t.logs.find((e) => e.msg === "Notification for alex: [Triggered on {room:kitchen}] too warm");
    expect(line?.event).toMatchObject({ type: "notification", state: "ALERT", recipients: ["alex"], muted: false, group: "room:kitchen" });
    expect(t.logs.find((e) => e.msg === 'Monitor "too warm" {room:kitchen}: OK → ALERT')).toBeDefined();
    expect(t.logs.find((e) => e.msg === "Downtime nights scheduled; told alex: Downtime nights scheduled")).toBeDefined();
  });

  it("serves the calendars' windows on /api/downtimes, in UTC and local time", async () => {
    const { status, body } = await get("/api/downtimes?days=1");
    expect(status).toBe(200);
    expect(body).toEqual({
      calendars: [
        {
          name: "nights",
          timezone: "Europe/Berlin",
          monitors: ["too warm"],
          active: null,
          windows: [
            {
              start: "2026-01-07T21:00:00Z",
              end: "2026-01-08T05:00:00Z",
              start_local: "2026-01-07T22:00:00+01:00",
              end_local: "2026-01-08T06:00:00+01:00",
              length: "8h",
            },
          ],
        },
      ],
      one_offs: [],
    });
    expect(await get("/api/downtimes?days=zero")).toMatchObject({ status: 400, body: { error: 'days must be a whole number from 1 to 366, got "zero"' } });
  });

  it("counts evaluations, transitions and notifications on /metrics", async () => {
    const metrics = await (await fetch(`${t.httpUrl}/metrics`)).text();
    expect(metrics).toContain('hearth_alert_transitions_total{to="ALERT"} 1');
    expect(metrics).toContain('hearth_alert_notifications_total{muted="false"} 1');
    expect(metrics).toContain('hearth_alert_groups{state="ALERT"} 1');
    expect(metrics).toMatch(/hearth_alert_evaluations_total 1\b/);
  });

  it("keeps the alert through a reload, and mutes it once the changed calendar is in force", async () => {
    const next = loadTestConfig(t.configFile, t.rulesDir);
    next.rules.calendars = [{ ...next.rules.calendars[0]!, windows: [{ from: "13:00", to: "14:00" }] }]; // 12:00Z-13:00Z: in force now
    expect(await t.hub.reload(next)).toContain("rules.calendars");
    expect(t.logs.find((e) => e.msg === "Downtime nights scheduled; told alex: Downtime nights changed")).toBeDefined();
    expect(t.logs.find((e) => e.msg === "Downtime nights started")).toBeDefined();
    expect(await get("/api/alerts")).toMatchObject({
      body: {
        alerts: [
          { state: "ALERT", since: "2026-01-07T12:01:00Z", muted: true, muted_by: "nights" },
          { monitor: "hearth.store_size", muted: false },
        ],
      },
    });
  });
});
