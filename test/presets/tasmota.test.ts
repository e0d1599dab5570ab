import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explain } from "../../src/cli/explain.js";
import { readFixture, readMessages } from "../helpers/fixtures.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt, mosquittoPub } from "../helpers/mqtt.js";
import { waitFor } from "../helpers/wait.js";

/** What a test expects of one sample: metric, value, unit and the tags that identify it. */
type Want = [metric: string, value: number, unit: string | undefined, tags: string[]];

const common = (device: string) => [`device:${device}`, "source:tasmota"];

describe("Tasmota preset on recorded payloads", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ rules: { "presets.yaml": "presets: [tasmota]\n" } });
  });
  afterAll(() => t.stop());

  const received = (topicDevice: string) => t.samples.filter((s) => s.tags.includes(`device:${topicDevice.toLowerCase()}`));
  const asWant = (s: { metric: string; value: number; unit?: string | undefined; tags: string[] }): Want => [s.metric, s.value, s.unit, s.tags];

  it("turns a Sonoff POW R2 SENSOR with ENERGY into power.* samples (published with mosquitto_pub)", async () => {
    // tasmota/docs docs/devices/Sonoff-Pow-R2.md, see test/fixtures/power/README.md
    const payload = readFixture("power/tasmota-sensor-energy.json").trim();
    await mosquittoPub(t.mqttPort, "tele/pow1/SENSOR", payload);
    await waitFor(() => received("pow1").length >= 9, "nine samples from pow1");
    const got = received("pow1").map(asWant);
    const tags = common("pow1");
    expect(got).toEqual([
      ["power.watts", 2635, "W", tags],
      ["power.apparent", 2650, "VA", tags],
      ["power.reactive", 282, "var", tags],
      ["power.factor", 0.99, undefined, tags],
      ["power.voltage", 227, "V", tags],
      ["power.current", 11.661, "A", tags],
      ["power.energy", 6.294, "kWh", tags],
      ["power.energy_today", 0.954, "kWh", tags],
      ["power.energy_yesterday", 5.34, "kWh", tags],
    ]);
  });

  it("reads a boot sequence: LWT, POWER as JSON and as text, STATE, SENSOR without ENERGY (published with mqtt.js)", async () => {
    // tasmota/docs docs/DeepSleep.md, see test/fixtures/power/README.md
    const client = await connectMqtt(t.mqttUrl);
    for (const m of readMessages("power/tasmota-boot-lwt-power-state.jsonl")) {
      await client.publishAsync(m.topic, m.payload, { retain: m.retained === true, qos: 1 });
    }
    await client.endAsync();
    const tags = common("demo-sensor");
    const want: Want[] = [
      ["device.online", 1, undefined, tags],
      ["power.relay", 1, undefined, tags],
      ["power.relay", 1, undefined, tags],
      ["device.uptime", 13, "s", tags],
      ["device.heap", 28, "kB", tags],
      ["device.load_avg", 19, undefined, tags],
      ["device.wifi.rssi", 86, "%", tags],
      ["device.wifi.signal", -57, "dBm", tags],
      ["power.relay", 1, undefined, tags],
      ["sensor.switch", 0, undefined, [...tags, "switch:1"].sort()],
      ["sensor.switch", 1, undefined, [...tags, "switch:2"].sort()],
      ["power.relay", 0, undefined, tags],
      ["power.relay", 0, undefined, tags],
    ];
    await waitFor(() => received("demo-sensor").length >= want.length, `${want.length} samples from demo-sensor`);
    expect(received("demo-sensor").map(asWant)).toEqual(want);
    // The empty cmnd/ topic and stat/…/DEEPSLEEP are not telemetry: no rule matches them, nothing is rejected.
    const metrics = await (await fetch(`${t.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/hearth_ingest_unmatched_total \d+/);
    expect(metrics).toContain('hearth_ingest_rejected_total{reason="empty"} 0');
  });

  it("reads attached sensors of a nutrient-tank node by name", async () => {
    // https://github.com/arendst/Tasmota/issues/16942, see test/fixtures/hydroponics/README.md
    const client = await connectMqtt(t.mqttUrl);
    const recorded = readMessages("hydroponics/tasmota-tank-sensor-analog-ph-ec-watertemp.jsonl");
    await client.publishAsync(recorded[1]!.topic, recorded[1]!.payload, { qos: 1 });
    await client.endAsync();
    const tags = common("tanksensor");
    await waitFor(() => received("Tanksensor").length >= 4, "four tank samples");
    expect(received("Tanksensor").map(asWant)).toEqual([
      ["sensor.analog", 1711, undefined, [...tags, "input:a1"].sort()],
      ["sensor.analog", 1025, undefined, [...tags, "input:a2"].sort()],
      ["sensor.temperature", 19.8, "°C", [...tags, "sensor:ds18b20"].sort()],
      ["sensor.weight", 9.457, "kg", [...tags, "sensor:hx711"].sort()],
    ]);
  });

  it("gives the same samples from `hearth check --explain` as the live pipeline", async () => {
    const messages = [
      { topic: "tele/pow1/SENSOR", payload: readFixture("power/tasmota-sensor-energy.json").trim() },
      ...readMessages("power/tasmota-boot-lwt-power-state.jsonl"),
      ...readMessages("hydroponics/tasmota-tank-sensor-analog-ph-ec-watertemp.jsonl"),
    ];
    const loaded = (await import("../helpers/hub.js")).loadTestConfig(t.configFile, t.rulesDir);
    const before = t.samples.length;
    const client = await connectMqtt(t.mqttUrl);
    let expected = 0;
    const explained: Want[] = [];
    for (const m of messages) {
      const e = explain(loaded, m.topic, Buffer.from(m.payload));
      for (const match of e.matches) for (const s of match.samples) explained.push([s.metric, s.value, s.unit, s.tags]);
      expected += e.matches.reduce((n, x) => n + x.samples.length, 0);
      await client.publishAsync(m.topic, m.payload, { qos: 1 });
    }
    await client.endAsync();
    await waitFor(() => t.samples.length - before >= expected, `${expected} samples`);
    expect(t.samples.slice(before).map(asWant)).toEqual(explained);
    expect(expected).toBeGreaterThan(30);
  });
});
