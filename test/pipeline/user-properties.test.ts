import fs from "node:fs";
import path from "node:path";
import type { MqttClient } from "mqtt";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatIssue } from "../../src/config-kit/issues.js";
import { loadAll } from "../../src/config/load.js";
import { runCli } from "../helpers/cli.js";
import { startTestHub, writeTestConfig, type TestHub } from "../helpers/hub.js";
import { metricValue, scrape } from "../helpers/metrics.js";
import { connectMqtt, mosquittoPub } from "../helpers/mqtt.js";
import { waitFor } from "../helpers/wait.js";

/**
 * An MQTT 5 publisher may say in user properties (MQTT 5 §3.3.2.3.7) what the topic does not:
 * the room a sensor is in, the time it took a reading. A mapping reads them as captures for tags
 * and as the sample's time; 3.1.1 devices on the same topic still get their samples.
 */
const rules = {
  "sensors.yaml": {
    version: 1,
    mappings: [
      {
        name: "room sensors",
        topic: "sensors/+device/temperature",
        metric: "room.temperature",
        unit: "°C",
        user_properties: { room: "room", who: "constructor" },
        tags: ["device:{device}", "room:{room}", "who:{who}"],
        time: { user_property: "ts", format: "epoch_ms" },
      },
    ],
  },
};

describe("MQTT 5 user properties in the ingest rules", () => {
  let t: TestHub;
  let v5: MqttClient;
  const badTimestamps = async () => metricValue(await scrape(t.httpUrl), "hearth_ingest_rejected_total", { reason: "bad_timestamp" });
  const sampleOf = (device: string) => waitFor(() => t.samples.find((s) => s.tags.includes(`device:${device}`)), `the sample of ${device}`);

  beforeAll(async () => {
    t = await startTestHub({ rules });
    v5 = await connectMqtt(t.mqttUrl, { protocolVersion: 5, clientId: "v5-sensor" });
  });
  afterAll(async () => {
    await v5.endAsync(true);
    await t.stop();
  });

  it("[MQTT-3.3.2-18] a user property becomes a tag, and another the sample's time", async () => {
    const took = Date.now() - 90_000;
    await v5.publishAsync("sensors/s1/temperature", "21.5", { qos: 1, properties: { userProperties: { room: "hall", ts: String(took) } } });
    const s = await sampleOf("s1");
    expect(s).toMatchObject({ metric: "room.temperature", value: 21.5, unit: "°C", time: took, stamped: true });
    expect(s.tags).toContain("room:hall");
  });

  it("a name sent twice gives its first value; a property named like an object member is read only when sent", async () => {
    await v5.publishAsync("sensors/s2/temperature", "19", { qos: 1, properties: { userProperties: { room: ["attic", "loft"] } } });
    const twice = await sampleOf("s2");
    expect(twice.tags).toContain("room:attic");
    expect(twice.tags.some((tag) => tag.startsWith("who:"))).toBe(false);

    await v5.publishAsync("sensors/s3/temperature", "18", { qos: 1, properties: { userProperties: { constructor: "grandma" } } });
    expect((await sampleOf("s3")).tags).toContain("who:grandma");
  });

  it("a 3.1.1 device on the same topic gets its sample: no tag from a property it cannot send, the receive time, nothing counted", async () => {
    const before = await badTimestamps();
    const sent = Date.now();
    await mosquittoPub(t.mqttPort, "sensors/old1/temperature", "20.25", { qos: 1 });
    const s = await sampleOf("old1");
    expect(s.value).toBe(20.25);
    expect(s.tags.filter((tag) => tag.startsWith("room:") || tag.startsWith("who:"))).toEqual([]);
    expect(s.time).toBeGreaterThanOrEqual(sent);
    expect(s.stamped).toBeUndefined();
    expect(await badTimestamps()).toBe(before);
  });

  it("a time property that is not a time is counted as bad_timestamp and the sample keeps the receive time", async () => {
    const before = await badTimestamps();
    const sent = Date.now();
    await v5.publishAsync("sensors/s4/temperature", "22", { qos: 1, properties: { userProperties: { room: "hall", ts: "yesterday" } } });
    const s = await sampleOf("s4");
    expect(s.time).toBeGreaterThanOrEqual(sent);
    expect(s.stamped).toBeUndefined();
    expect(s.tags).toContain("room:hall");
    await waitFor(async () => (await badTimestamps()) === before + 1, "the bad timestamp counted");
  });

  it("hearth check --explain takes the message's user properties and shows what the hub makes of them", async () => {
    const args = ["check", "--config", t.configFile, "--rules", t.rulesDir, "--explain", "sensors/s5/temperature", "23"];
    const withProps = await runCli([...args, "--user-property", "room=kitchen", "--user-property", "ts=1764687600000", "--json"]);
    expect(withProps.code).toBe(0);
    const e = JSON.parse(withProps.stdout) as { matches: { samples: { tags: string[] }[]; skipped: unknown[] }[] };
    expect(e.matches[0]!.samples[0]!.tags).toContain("room:kitchen");
    expect(e.matches[0]!.skipped).toEqual([]);

    const bad = await runCli([...args, "--user-property", "ts=soon"]);
    expect(bad.stdout).toContain('skipped (time): user property "ts" ("soon") is not an epoch_ms time, using the receive time [bad_timestamp]');
    const without = await runCli(args);
    expect(without.stdout).toContain('skipped (time): no user property "ts", using the receive time\n');

    const malformed = await runCli([...args, "--user-property", "room"]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--user-property "room": expected name=value');
  });
});

describe("user properties in a mapping: mistakes are reported where they are written", () => {
  it("names a bad capture name, a capture the topic has already, and a time with two sources, each with its line and column", () => {
    const { dir, configFile, rulesDir } = writeTestConfig({ rules: {} });
    const file = path.join(rulesDir, "bad.yaml");
    const mapping = { topic: "sensors/+room/temperature", metric: "t", tags: ["room:{room}"] };
    fs.writeFileSync(
      file,
      stringify({
        version: 1,
        mappings: [
          { ...mapping, user_properties: { "1st": "first" } },
          { ...mapping, user_properties: { room: "room" } },
          { ...mapping, time: { path: "ts", user_property: "ts" } },
        ],
      }),
    );
    const result = loadAll({ configFile, rulesDir, env: {} });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(result.ok).toBe(false);
    const lines = result.ok ? [] : result.issues.map(formatIssue).map((l) => l.replace(`${file}:`, ""));
    expect(lines).toEqual([
      expect.stringMatching(/^\d+:\d+: mappings\[0\]\.user_properties: "1st": a capture's name holds letters, digits and '_'/),
      expect.stringMatching(/^\d+:\d+: mappings\[1\]\.user_properties\.room: \{room\} is captured by the topic \("sensors\/\+room\/temperature"\) already$/),
      expect.stringMatching(/^\d+:\d+: mappings\[2\]\.time: write where the timestamp is: `path` \(in the payload\) or `user_property`/),
    ]);
  });
});
