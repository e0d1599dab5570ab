import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt, mosquittoPub } from "../helpers/mqtt.js";
import { waitFor } from "../helpers/wait.js";

const RULES = `
version: 1
mappings:
  - topic: json/+device
    metric: garbage.value
    path: value
    tags: ["device:{device}"]
  - topic: text/+device
    metric: garbage.text
    tags: ["device:{device}"]
`;

const counter = (metrics: string, reason: string) =>
  Number(new RegExp(`hearth_ingest_rejected_total\\{reason="${reason}"\\} (\\d+)`).exec(metrics)?.[1] ?? NaN);

describe("a flood of garbage payloads", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ rules: { "garbage.yaml": RULES }, config: { pipeline: { max_payload_bytes: 1024 } } });
  });
  afterAll(() => t.stop());

  it("is counted per reason, logged at a bounded rate, and leaves the hub working", async () => {
    const client = await connectMqtt(t.mqttUrl);
    const kinds: [reason: string, topic: string, payload: string | Buffer][] = [
      ["not_utf8", "text/a", Buffer.from([0xc3, 0x28, 0xff, 0xfe])],
      ["not_json", "json/a", "{value: 1"],
      ["nan", "text/a", "nan"],
      ["nan", "json/a", '{"value":"NaN"}'],
      ["empty", "text/a", ""],
      ["oversized", "text/a", "9".repeat(2048)],
      ["wrong_type", "json/a", '{"value":{"nested":true}}'],
      ["wrong_type", "text/a", "Normal"],
    ];
    const rounds = 250;
    for (let i = 0; i < rounds; i++) for (const [, topic, payload] of kinds) client.publish(topic, payload, { qos: 0 });
    await client.publishAsync("json/survivor", '{"value": 42}', { qos: 1 });
    await client.endAsync();
    // mosquitto_pub too: a real device's client library is not the only sender.
    await mosquittoPub(t.mqttPort, "text/survivor", "43.5 °C");

    await waitFor(() => t.samples.some((s) => s.metric === "garbage.text" && s.value === 43.5), "the valid message after the flood");
    expect(t.samples.find((s) => s.metric === "garbage.value")).toMatchObject({ value: 42, tags: ["device:survivor"] });
    expect(t.samples.filter((s) => !s.tags.includes("device:survivor"))).toEqual([]);

    const metrics = await (await fetch(`${t.httpUrl}/metrics`)).text();
    const want: Record<string, number> = {};
    for (const [reason] of kinds) want[reason] = (want[reason] ?? 0) + rounds;
    for (const [reason, n] of Object.entries(want)) expect(counter(metrics, reason), reason).toBe(n);

    const rejectionLines = t.logs.entries.filter((e) => e.code === "HEARTH_E_PAYLOAD_REJECTED" && e.topic !== undefined);
    expect(rejectionLines.length).toBeLessThanOrEqual(5 * Object.keys(want).length);
    expect(rejectionLines.find((e) => e.reason === "not_utf8")).toMatchObject({ topic: "text/a", detail: "garbage.text: payload is not valid UTF-8" });

    const health = await fetch(`${t.httpUrl}/healthz`);
    expect(health.status).toBe(200);
  });
});
