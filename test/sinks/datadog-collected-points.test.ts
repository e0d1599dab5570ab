import fs from "node:fs";
import type { MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kit/clock.js";
import { startIntake, type DatadogIntake } from "../helpers/datadog-intake.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { sampleInstance } from "../helpers/samples.js";
import { queryStore } from "../helpers/store.js";
import { waitFor } from "../helpers/wait.js";

/** 2026-01-15 11:00:00 UTC, 12:00 in Berlin. */
const START = Date.UTC(2026, 0, 15, 11, 0, 0);

const RULES = {
  "rules.yaml": {
    mappings: [
      // Tasmota's SENSOR carries its own Time, without an offset (https://tasmota.github.io/docs/MQTT/#telemetry).
      {
        topic: "tele/+device/SENSOR",
        time: { path: "Time", zone: "Europe/Berlin" },
        metric: "sensor.temperature",
        path: "DS18B20.Temperature",
        tags: ["device:{device}"],
      },
      // A plain value: stamped on arrival.
      { topic: "meter/+device/power", metric: "power.watts", unit: "W", tags: ["device:{device}"] },
    ],
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

const tick = async (clock: ManualClock, ms: number) => {
  clock.advance(ms);
  await new Promise((r) => setImmediate(r));
};

describe("a value collected is a point, at Datadog and in the store", () => {
  it("my_metric every 5 s with a 10 s flush reaches the intake as one point per value, each at its own time", async () => {
    const clock = new ManualClock(START);
    intake = await startIntake({ now: () => clock.now() });
    const { name, instance } = sampleInstance("my_metric");
    hub = await startTestHub({
      clock,
      config: {
        pipeline: { flush_interval: "10s" },
        datadog: { api_key: "test-api-key", url: intake.url },
        integrations: { [name]: { ...instance, min_collection_interval: 5 } },
      },
    });
    const t = hub;
    for (let i = 0; i < 6; i++) await tick(clock, 5_000);
    const collected = t.samples.filter((s) => s.metric === "my_metric");
    expect(collected).toHaveLength(6);
    const sent = () => intake!.points.filter((p) => p.metric === "my_metric");
    // The value drawn at start, then one per 5 s: the three flushes carry the six values up to
    // 25 s, two each, at their own seconds (the value drawn at 30 s waits for the next flush).
    await waitFor(() => sent().length >= 6, "every flushed value at the intake");
    expect(sent().map((p) => [p.timestamp - START / 1000, p.type])).toEqual(Array.from({ length: 6 }, (_, i) => [i * 5, 3]));
    expect(
      sent()
        .slice(1)
        .map((p) => p.value),
    ).toEqual(collected.slice(0, 5).map((s) => s.value));
    expect(intake.requests.filter((r) => r.points > 0).every((r) => r.status === 202)).toBe(true);
  });

  it("two device readings with their own timestamps in one flush are two points; two stamped on arrival are the last one", async () => {
    const clock = new ManualClock(START);
    intake = await startIntake({ now: () => clock.now() });
    hub = await startTestHub({ clock, rules: RULES, config: { pipeline: { flush_interval: "10s" }, datadog: { api_key: "test-api-key", url: intake.url } } });
    const t = hub;
    mqtt = await connectMqtt(t.mqttUrl);
    const sensor = (time: string, celsius: number) => JSON.stringify({ Time: time, DS18B20: { Id: "3C01D607F1A2", Temperature: celsius }, TempUnit: "C" });
    for (const [topic, payload] of [
      ["tele/tank/SENSOR", sensor("2026-01-15T12:00:01", 21.5)],
      ["tele/tank/SENSOR", sensor("2026-01-15T12:00:06", 21.7)],
      ["meter/plug1/power", "120"],
      ["meter/plug1/power", "130"],
    ] as const)
      await mqtt.publishAsync(topic, payload, { qos: 1 });
    await waitFor(() => t.samples.length >= 4, "four samples");
    await tick(clock, 10_000);
    await waitFor(() => intake!.points.some((p) => p.metric === "power.watts"), "the flush at the intake");
    expect(intake.points.filter((p) => p.metric === "sensor.temperature").map((p) => [p.timestamp, p.value])).toEqual([
      [Date.UTC(2026, 0, 15, 11, 0, 1) / 1000, 21.5],
      [Date.UTC(2026, 0, 15, 11, 0, 6) / 1000, 21.7],
    ]);
    expect(intake.points.filter((p) => p.metric === "power.watts").map((p) => p.value)).toEqual([130]);

    await t.hub.stop();
    hub = undefined;
    const stored = queryStore<{ metric: string; value: number }>(
      t.dir,
      "SELECT s.metric, p.value FROM points p JOIN series s ON s.id = p.series_id WHERE s.metric IN ('sensor.temperature', 'power.watts') ORDER BY s.metric, p.time",
    );
    fs.rmSync(t.dir, { recursive: true, force: true });
    expect(stored).toEqual([
      { metric: "power.watts", value: 130 },
      { metric: "sensor.temperature", value: 21.5 },
      { metric: "sensor.temperature", value: 21.7 },
    ]);
  });
});
