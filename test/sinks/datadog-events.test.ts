import type { MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kit/clock.js";
import { startIntake, type DatadogIntake } from "../helpers/datadog-intake.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { metricValue, scrape } from "../helpers/metrics.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { waitFor } from "../helpers/wait.js";

/** Hearth's own alerts on Datadog's event stream, and its tags on the host map: a real hub against the local intake. */

/** 2026-01-07 12:00 UTC, 13:00 in Berlin. */
const START = Date.parse("2026-01-07T12:00:00Z");

const RULES = {
  "house.yaml": {
    version: 1,
    mappings: [{ topic: "sensors/+room/temperature", metric: "temp", tags: ["room:{room}"] }],
    monitors: [{ name: "too warm", query: "max(last_5m):temp{*} by {room} > 30", thresholds: { warning: 25 }, recipients: ["alex"], calendars: ["lunch"] }],
    calendars: [{ name: "lunch", timezone: "Europe/Berlin", windows: [{ from: "13:10", to: "13:20" }] }],
  },
};

let intake: DatadogIntake | undefined;
let hub: TestHub | undefined;
let mqtt: MqttClient | undefined;

afterEach(async () => {
  await mqtt?.endAsync();
  await hub?.stop();
  await intake?.stop();
  mqtt = hub = intake = undefined;
});

async function setup(datadog: Record<string, unknown>, clock = new ManualClock(START)) {
  intake = await startIntake({ now: () => clock.now() });
  hub = await startTestHub({
    clock,
    rules: RULES,
    config: {
      tags: ["env:test", "Floor:Ground"],
      notify: { recipients: { alex: {} } },
      forward: { backoff: { min: "1s", max: "2s" } },
      datadog: { api_key: "test-api-key", url: intake.url, ...datadog },
    },
  });
  mqtt = await connectMqtt(hub.mqttUrl);
  return { intake, hub, mqtt, clock };
}

/**
 * Waits until no event waits in the store. A send times out on the hub's clock, so the test's
 * clock moves on only between sends: a jump during one would abort it and send it again.
 */
const sent = (t: TestHub) => waitFor(async () => metricValue(await scrape(t.httpUrl), "hearth_datadog_events_pending") === 0, "every event sent");

async function temperature(t: TestHub, client: MqttClient, value: number): Promise<void> {
  const before = t.samples.length;
  await client.publishAsync("sensors/kitchen/temperature", String(value), { qos: 1 });
  await waitFor(() => t.samples.length > before, "the temperature sample");
}

describe("datadog.events and datadog.host_tags from the running hub", () => {
  it("sends each monitor transition as an event tagged with the monitor, its group and source:hearth", async () => {
    const { intake, hub, mqtt, clock } = await setup({ events: true });
    await temperature(hub, mqtt, 35);
    clock.advance(60_000);
    await waitFor(() => intake.events.length >= 1, "the ALERT event");
    expect(intake.events[0]).toEqual({
      title: "[Hearth] too warm {room:kitchen}: OK → ALERT",
      text: 'Hearth\'s monitor "too warm" {room:kitchen} went from OK to ALERT at 35.',
      date_happened: (START + 60_000) / 1000,
      host: "test-host",
      tags: ["monitor:too_warm", "group:room:kitchen", "room:kitchen", "source:hearth", "env:test", "floor:ground"],
      alert_type: "error",
      aggregation_key: "hearth:monitor:too warm:room:kitchen",
      source_type_name: "hearth",
      priority: "normal",
    });

    // The five-minute maximum comes down once 35 has left the window.
    for (let i = 0; i < 6; i++) {
      await temperature(hub, mqtt, 27);
      clock.advance(60_000);
      await sent(hub);
    }
    await waitFor(() => intake.events.length >= 2, "the WARN event");
    for (let i = 0; i < 6; i++) {
      await temperature(hub, mqtt, 20);
      clock.advance(60_000);
      await sent(hub);
    }
    await waitFor(() => intake.events.length >= 4, "the OK event");
    // The calendar's window opened on the way (13:10 in Berlin): its start is an event too.
    expect(intake.events.map((e) => [e.title, e.alert_type])).toEqual([
      ["[Hearth] too warm {room:kitchen}: OK → ALERT", "error"],
      ["[Hearth] too warm {room:kitchen}: ALERT → WARN", "warning"],
      ["[Hearth] Downtime lunch started", "info"],
      ["[Hearth] too warm {room:kitchen}: WARN → OK", "success"],
    ]);
    expect(metricValue(await scrape(hub.httpUrl), "hearth_datadog_events_total", { outcome: "sent" })).toBe(4);
  });

  it("sends each downtime start and end, and nothing for its scheduling", async () => {
    const { intake, hub, clock } = await setup({ events: true });
    clock.advance(10 * 60_000);
    await waitFor(() => intake.events.length >= 1, "the start of the downtime");
    await sent(hub);
    clock.advance(10 * 60_000);
    await waitFor(() => intake.events.length >= 2, "its end");
    expect(intake.events.map((e) => ({ title: e.title, alert_type: e.alert_type, tags: e.tags, date_happened: e.date_happened }))).toEqual([
      {
        title: "[Hearth] Downtime lunch started",
        alert_type: "info",
        tags: ["downtime:lunch", "source:hearth", "env:test", "floor:ground"],
        date_happened: Date.parse("2026-01-07T12:10:00Z") / 1000,
      },
      {
        title: "[Hearth] Downtime lunch ended",
        alert_type: "info",
        tags: ["downtime:lunch", "source:hearth", "env:test", "floor:ground"],
        date_happened: Date.parse("2026-01-07T12:20:00Z") / 1000,
      },
    ]);
  });

  it("keeps an event in the store while Datadog fails, and sends it once it answers again", async () => {
    const { intake, hub, mqtt, clock } = await setup({ events: true });
    intake.respondToEvents(503, 500);
    await temperature(hub, mqtt, 35);
    clock.advance(60_000);
    await waitFor(() => intake.apiRequests.filter((r) => r.path === "/api/v1/events").length >= 1, "the first, refused try");
    expect(intake.events).toEqual([]);
    expect(metricValue(await scrape(hub.httpUrl), "hearth_datadog_events_pending")).toBe(1);
    // Each retry waits forward.backoff (1–2 s here) on the hub's clock.
    await waitFor(() => {
      clock.advance(2_000);
      return intake.events.length === 1;
    }, "the event after two failures");
    expect(intake.apiRequests.filter((r) => r.path === "/api/v1/events").map((r) => r.status)).toEqual([503, 500, 202]);
    expect(intake.events[0]!.date_happened).toBe((START + 60_000) / 1000);
    expect(metricValue(await scrape(hub.httpUrl), "hearth_datadog_events_pending")).toBe(0);
    expect(hub.logs.find((e) => e.code === "HEARTH_E_DATADOG_UNREACHABLE")?.msg).toBe(
      "Datadog answered 503 to an event: Service Unavailable; trying again later",
    );
  });

  it("sends no event without datadog.events", async () => {
    const { intake, hub, mqtt, clock } = await setup({});
    await temperature(hub, mqtt, 35);
    clock.advance(60_000);
    await waitFor(() => hub.logs.find((e) => e.msg === 'Monitor "too warm" {room:kitchen}: OK → ALERT'), "the transition");
    clock.advance(10_000);
    await waitFor(() => intake.points.some((p) => p.metric === "temp"), "the series");
    expect(intake.apiRequests).toEqual([]);
  });

  it("gives the host the configuration's tags on Datadog's host map, once Datadog knows the host", async () => {
    const { intake, hub, mqtt, clock } = await setup({ host_tags: true, app_key: "test-app-key" });
    // No series has named the host yet: Datadog answers 404 and the hub tries again.
    await waitFor(() => intake.apiRequests.some((r) => r.status === 404), "the 404 for an unknown host");
    await temperature(hub, mqtt, 20);
    await waitFor(() => {
      clock.advance(2_000);
      return intake.hostTags.get("test-host");
    }, "the host tags");
    expect(intake.hostTags.get("test-host")).toEqual(["env:test", "floor:ground"]);
    expect(intake.apiRequests.map((r) => `${r.path} ${r.status}`).slice(-1)).toEqual(["/api/v1/tags/hosts/test-host 201"]);
    const health = (await (await fetch(`${hub.httpUrl}/healthz`)).json()) as { components: Record<string, { state: string; detail?: string }> };
    expect(health.components.datadog_host_tags).toMatchObject({ state: "ok", detail: "test-host: env:test, floor:ground" });
  });

  it("says on /healthz that host tags need the application key, and sends nothing without it", async () => {
    const { intake, hub } = await setup({ host_tags: true });
    const health = (await (await fetch(`${hub.httpUrl}/healthz`)).json()) as { components: Record<string, { state: string; detail?: string }> };
    expect(health.components.datadog_host_tags).toMatchObject({
      state: "down",
      detail: expect.stringContaining("needs the API key and an application key (DD_APP_KEY or datadog.app_key)") as unknown,
    });
    expect(intake.apiRequests).toEqual([]);
  });
});
