import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { queryStore } from "../helpers/store.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Random JSON, numbers and strings on the topics of every preset and of each kind of mapping,
 * through the real broker, pipeline and store: whatever arrives, every sample is a finite number
 * under a name Datadog accepts, and the store and /api/series keep working.
 */
const RULES = {
  "house.yaml": {
    version: 1,
    presets: ["tasmota", "shelly_gen1", "shelly_gen2", "zigbee2mqtt", "esphome", "espresense", "ha_discovery"],
    mappings: [
      { topic: "house/+device/power", metric: "power.watts", unit: "W", tags: ["device:{device}"] },
      { topic: "house/+device/mode", metric: "switch.mode", tags: ["device:{device}"], states: { eco: 1, boost: 2 } },
      { topic: "house/+device/json", metric: "house.reading", path: "value", tags: ["device:{device}"] },
      { topic: "house/marker", metric: "test.marker" },
    ],
    people: { alice: "presence/alice" },
  },
};

/** A topic each preset or mapping reads; `{d}` is replaced by a generated device name. */
const TOPICS = [
  "tele/{d}/SENSOR",
  "tele/{d}/STATE",
  "tele/{d}/LWT",
  "stat/{d}/POWER",
  "shellies/{d}/relay/0/power",
  "shellies/{d}/relay/0",
  "shellies/{d}/emeter/0/energy",
  "shellies/{d}/sensor/temperature",
  "shellies/{d}/roller/0/pos",
  "shellies/{d}/info",
  "{d}/status/switch:0",
  "{d}/events/rpc",
  "{d}/online",
  "zigbee2mqtt/{d}",
  "zigbee2mqtt/{d}/availability",
  "zigbee2mqtt/bridge/state",
  "zigbee2mqtt/bridge/devices",
  "esphome/{d}/sensor/temp/state",
  "esphome/{d}/switch/relay/state",
  "esphome/{d}/status",
  "espresense/rooms/{d}",
  "espresense/devices/{d}/study",
  "homeassistant/sensor/{d}/config",
  "homeassistant/device/{d}/config",
  "ha/{d}/state",
  "house/{d}/power",
  "house/{d}/mode",
  "house/{d}/json",
  "presence/alice",
];

const deviceName = fc.oneof(fc.constantFrom("plug1", "constructor", "__proto__", "toString", "0x84fd27fffe39e3af"), fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/));
const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, -0));
/** Numbers as devices write them, and as they should not: "1e999", "0x1F", "12abc", "nan", "inf". */
const numberText = fc.oneof(
  number.map(String),
  fc.constantFrom("1e999", "-1e999", "0x1F", "12abc", "nan", "inf", "-inf", "Infinity", "1_000", "21.5 °C", "120W", "ON", "off", "constructor", "__proto__"),
  fc.tuple(number, fc.constantFrom("", " W", " kWh", "°C", " %", " lx", " abc")).map(([n, u]) => `${n}${u}`),
);
/** JSON whose keys are the fields devices send, or names of object properties, holding anything. */
const FIELDS = [
  "ENERGY",
  "Power",
  "Total",
  "Voltage",
  "temperature",
  "humidity",
  "linkquality",
  "state",
  "value",
  "apower",
  "aenergy",
  "id",
  "params",
  "unit_of_measurement",
  "state_topic",
  "device_class",
  "value_template",
  "constructor",
  "__proto__",
  "toString",
];
const deviceJson = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, number, numberText, fc.boolean(), fc.constant(null), tie("object"), fc.array(tie("value"), { maxLength: 3 })),
  object: fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 8 })), tie("value"), { maxKeys: 5 }),
})).object;
const payload = fc.oneof(
  numberText,
  fc.string({ maxLength: 40 }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  deviceJson.map((v) => JSON.stringify(v)),
  // JSON numbers past 1e308: JSON.parse reads them as Infinity.
  fc.constantFrom('{"value": 1e999}', '{"ENERGY": {"Power": 1e999}}', '{"temperature": -1e999}', "1e999"),
  fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b)),
);
const message = fc.record({ topic: fc.tuple(fc.constantFrom(...TOPICS), deviceName).map(([t, d]) => t.replace("{d}", d)), payload });

/** Datadog's naming rules (https://docs.datadoghq.com/metrics/custom_metrics/#naming-custom-metrics, https://docs.datadoghq.com/getting_started/tagging/#define-tags). */
const METRIC_NAME = /^[A-Za-z][A-Za-z0-9_.]{0,199}$/;
const TAG = /^\p{Ll}[\p{Ll}\p{Lo}\p{N}_\-:./]{0,199}$/u;

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ rules: RULES, config: { pipeline: { flush_interval: "100ms" } } });
});
afterAll(async () => {
  await t?.stop();
});

describe("random payloads on every preset's and mapping's topics", () => {
  it("give only finite samples named by Datadog's rules; the store and /api/series keep working", async () => {
    const mqtt = await connectMqtt(t.mqttUrl);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 25 }), async (messages) => {
        run++;
        const from = t.samples.length;
        for (const m of messages) await mqtt.publishAsync(m.topic, m.payload, { qos: 1 });
        // One client's messages are handled in order: once the marker is read, so is every message before it.
        await mqtt.publishAsync("house/marker", String(run), { qos: 1 });
        await waitFor(() => t.samples.slice(from).some((s) => s.metric === "test.marker" && s.value === run), `run ${run}'s marker`);
        for (const s of t.samples.slice(from)) {
          expect(Number.isFinite(s.value), `${s.metric} ${s.value}`).toBe(true);
          expect(s.metric).toMatch(METRIC_NAME);
          for (const tag of s.tags) expect(tag).toMatch(TAG);
        }
      }),
      { numRuns: 40 },
    );
    await mqtt.endAsync();

    // Everything read was stored, as finite numbers under valid names; later flushes still write.
    await waitFor(
      () =>
        queryStore<{ n: number }>(
          t.dir,
          `SELECT count(*) AS n FROM points p JOIN series s ON s.id = p.series_id WHERE s.metric = 'test.marker' AND p.value = ${run}`,
        )[0]!.n === 1,
      "the last flush",
    );
    const stored = queryStore<{ metric: string; tags: string; value: number | null }>(
      t.dir,
      "SELECT s.metric, s.tags, p.value FROM points p JOIN series s ON s.id = p.series_id",
    );
    for (const r of stored) {
      expect(typeof r.value === "number" && Number.isFinite(r.value), `${r.metric} ${r.value}`).toBe(true);
      expect(r.metric).toMatch(METRIC_NAME);
    }
    expect(queryStore<{ n: number }>(t.dir, "SELECT count(*) AS n FROM dead_letters")[0]!.n).toBe(0);
    const series = await fetch(`${t.httpUrl}/api/series`);
    expect(series.status).toBe(200);
    const body = (await series.json()) as { series: { metric: string; value: number }[] };
    expect(body.series.length).toBeGreaterThan(1);
    for (const s of body.series) expect(Number.isFinite(s.value), s.metric).toBe(true);
    expect((await fetch(`${t.httpUrl}/healthz`)).status).toBe(200);
  });
});
