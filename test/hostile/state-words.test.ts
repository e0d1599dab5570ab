import { afterEach, describe, expect, it } from "vitest";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { metricValue, scrape } from "../helpers/metrics.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { queryStore } from "../helpers/store.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Words that are also the names of properties every JavaScript object has: read as a state,
 * they once became NaN, which the store could not insert, and every flush after failed.
 */
const HOSTILE_WORDS = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"];

const RULES = {
  "house.yaml": {
    version: 1,
    presets: ["zigbee2mqtt", "esphome", "ha_discovery"],
    mappings: [
      { topic: "house/+device/relay", metric: "switch.on", tags: ["device:{device}"] },
      { topic: "house/+device/mode", metric: "switch.mode", tags: ["device:{device}"], states: { eco: 1, boost: 2 } },
      { topic: "house/+device/power", metric: "power.watts", unit: "W", tags: ["device:{device}"] },
    ],
    people: { alice: "presence/alice" },
  },
};

let t: TestHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

interface Row {
  metric: string;
  tags: string;
  value: number | null;
}

const stored = () => queryStore<Row>(t!.dir, "SELECT s.metric, s.tags, p.value FROM points p JOIN series s ON s.id = p.series_id ORDER BY p.id");
const rejected = async (reason: string) => metricValue(await scrape(t!.httpUrl), "hearth_ingest_rejected_total", { reason });

describe("a state word that names a JavaScript object property", () => {
  it("is counted as garbage on every kind of state topic, and the store keeps flushing", async () => {
    t = await startTestHub({ rules: RULES, config: { pipeline: { flush_interval: "100ms" } } });
    const mqtt = await connectMqtt(t.mqttUrl);
    // A discovered switch and a discovered sensor whose unit is a hostile word.
    await mqtt.publishAsync("homeassistant/switch/plug9/config", JSON.stringify({ state_topic: "ha/plug9/state", device: { name: "plug9" } }), { qos: 1 });
    await mqtt.publishAsync(
      "homeassistant/sensor/odd/config",
      JSON.stringify({ state_topic: "ha/odd/state", unit_of_measurement: "constructor", device_class: "toString", device: { name: "odd" } }),
      { qos: 1 },
    );
    await waitFor(async () => (await fetch(`${t!.httpUrl}/api/series`)).ok, "the hub");
    const before = await rejected("wrong_type");

    let sent = 0;
    for (const word of HOSTILE_WORDS) {
      const messages: [string, string][] = [
        ["house/plug1/relay", word],
        ["house/plug1/mode", word],
        ["ha/plug9/state", word],
        ["presence/alice", word],
      ];
      for (const [topic, payload] of messages) await mqtt.publishAsync(topic, payload, { qos: 1 });
      sent += messages.length;
      // Not counted: Zigbee2MQTT's state is not ON or OFF (a skip, as its other words are), ESPHome's a text state when it is a word.
      await mqtt.publishAsync("zigbee2mqtt/lamp", JSON.stringify({ state: word }), { qos: 1 });
      await mqtt.publishAsync("zigbee2mqtt/lamp/state", word, { qos: 1 });
      await mqtt.publishAsync("esphome/node1/switch/relay/state", word, { qos: 1 });
      await mqtt.publishAsync("esphome/node1/status", word, { qos: 1 });
      // A key of a device's state that names an object property is simply not a reading.
      await mqtt.publishAsync("zigbee2mqtt/lamp", `{"${word}": 1, "linkquality": 80}`, { qos: 1 });
      await mqtt.publishAsync("ha/odd/state", "5", { qos: 1 });
    }
    // Numbers past 1e308 are Infinity: refused as not finite, never stored, whether text or JSON.
    const notFinite = await rejected("not_finite");
    await mqtt.publishAsync("house/plug1/power", "1e999", { qos: 1 });
    await mqtt.publishAsync("zigbee2mqtt/lamp", '{"linkquality": 1e999}', { qos: 1 });
    // Neither hex nor trailing letters are a reading.
    await mqtt.publishAsync("house/plug1/power", "0x1F", { qos: 1 });
    await mqtt.publishAsync("house/plug1/power", "12abc", { qos: 1 });
    await mqtt.publishAsync("house/plug1/power", "42", { qos: 1 });
    await waitFor(() => stored().some((r) => r.metric === "power.watts" && r.value === 42), "a good reading stored after the hostile words");

    expect(await rejected("wrong_type")).toBeGreaterThanOrEqual(before + sent + 2);
    expect(await rejected("not_finite")).toBe(notFinite + 2);
    expect(
      stored()
        .filter((r) => r.metric === "power.watts")
        .map((r) => r.value),
    ).toEqual([42]);
    expect(t.samples.every((s) => Number.isFinite(s.value))).toBe(true);
    expect(stored().every((r) => typeof r.value === "number" && Number.isFinite(r.value))).toBe(true);
    // The hostile key gave no series; the discovered sensor with a hostile unit is a plain value.
    expect(stored().some((r) => r.metric === "device.linkquality")).toBe(true);
    expect(
      stored()
        .filter((r) => r.metric === "sensor.value")
        .map((r) => r.value),
    ).toContain(5);
    expect(stored().every((r) => /^[A-Za-z][A-Za-z0-9_.]*$/.test(r.metric))).toBe(true);

    // Later flushes still write.
    await mqtt.publishAsync("house/plug1/power", "43", { qos: 1 });
    await waitFor(() => stored().some((r) => r.metric === "power.watts" && r.value === 43), "a later flush");
    const health = await fetch(`${t.httpUrl}/healthz`);
    expect(health.status).toBe(200);
    await mqtt.endAsync();
  });
});
