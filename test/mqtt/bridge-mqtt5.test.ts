import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { TestMosquitto } from "../helpers/mosquitto.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { waitFor } from "../helpers/wait.js";

const bridgeUp = async (t: TestHub) => {
  const body = (await (await fetch(`${t.httpUrl}/healthz`)).json()) as { components: Record<string, { state: string }> };
  return body.components["bridge:cluster"]?.state === "ok";
};

describe("MQTT 5 bridges to a Mosquitto 2", () => {
  let dir: string;
  let remote: TestMosquitto;
  const hubs: TestHub[] = [];
  const clients: MqttClient[] = [];
  const keep = (c: MqttClient) => (clients.push(c), c);
  const remoteUrl = () => `mqtt://127.0.0.1:${remote.port}`;
  const bridge = (extra: Record<string, unknown>) => ({
    name: "cluster",
    url: remoteUrl(),
    protocol_version: 5,
    reconnect: { min: "100ms", max: "1s" },
    ...extra,
  });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-bridge5-"));
    remote = await TestMosquitto.start(path.join(dir, "mosquitto"));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    for (const t of hubs) await t.stop();
    await remote.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("speaks MQTT 3.1.1 to the remote broker unless protocol_version says 5 (MQTT 3.1.1 [MQTT-3.1.2-2]: an older broker refuses a level it does not support)", async () => {
    const { protocol_version: _, ...withoutVersion } = bridge({});
    const t = await startTestHub({
      config: {
        mqtt: {
          bridges: [
            { ...withoutVersion, name: "old", client_id: "hearth-default-level", topics: [{ topic: "old/#", direction: "in" }] },
            bridge({ client_id: "hearth-level-5", topics: [{ topic: "new/#", direction: "in" }] }),
          ],
        },
      },
    });
    hubs.push(t);
    // Mosquitto logs each CONNECT's protocol level: p2 is its name for 3.1.1 (level 4), p5 for MQTT 5.
    const connected = (id: string) => remote.output.join("").match(new RegExp(`as ${id} \\(p(\\d)`))?.[1];
    await waitFor(() => connected("hearth-default-level") && connected("hearth-level-5"), "both bridges at the remote broker");
    expect(connected("hearth-default-level")).toBe("2");
    expect(connected("hearth-level-5")).toBe("5");
  });

  it("carries MQTT 5 user properties both ways, and into the ingest rules (MQTT-3.3.2-18: the server forwards user properties unaltered)", async () => {
    // A mapping reads a user property, so the hub's own ingest sees what the remote publisher said.
    const rooms = {
      version: 1,
      mappings: [{ topic: "tele/+device/temp", metric: "room.temperature", user_properties: { room: "room" }, tags: ["device:{device}", "room:{room}"] }],
    };
    const t = await startTestHub({
      config: {
        mqtt: {
          bridges: [
            bridge({
              client_id: "hearth-props",
              topics: [
                { topic: "tele/#", direction: "in" },
                { topic: "cmnd/#", direction: "out" },
              ],
            }),
          ],
        },
      },
      rules: { "rooms.yaml": rooms },
    });
    hubs.push(t);
    await waitFor(() => bridgeUp(t), "the bridge to connect");

    const local = keep(await connectMqtt(t.mqttUrl, { protocolVersion: 5, clientId: "local-v5" }));
    const localSeen: { topic: string; props: unknown }[] = [];
    local.on("message", (topic, _p, packet) => localSeen.push({ topic, props: packet.properties?.userProperties }));
    await local.subscribeAsync("tele/#", { qos: 1 });
    const far = keep(await connectMqtt(remoteUrl(), { protocolVersion: 5, clientId: "far-v5" }));
    const farSeen: { topic: string; props: unknown }[] = [];
    far.on("message", (topic, _p, packet) => farSeen.push({ topic, props: packet.properties?.userProperties }));
    await far.subscribeAsync("cmnd/#", { qos: 1 });

    await far.publishAsync("tele/plug1/SENSOR", "{}", { qos: 1, properties: { userProperties: { room: "kitchen", source: ["a", "b"] } } });
    await local.publishAsync("cmnd/plug1/POWER", "OFF", { qos: 1, properties: { userProperties: { by: "automation" } } });
    await waitFor(() => localSeen.length > 0 && farSeen.length > 0, "a message each way");
    expect(localSeen).toEqual([{ topic: "tele/plug1/SENSOR", props: { room: "kitchen", source: ["a", "b"] } }]);
    expect(farSeen).toEqual([{ topic: "cmnd/plug1/POWER", props: { by: "automation" } }]);

    await far.publishAsync("tele/probe1/temp", "21.5", { qos: 1, properties: { userProperties: { room: "cellar" } } });
    const sample = await waitFor(() => t.samples.find((s) => s.metric === "room.temperature"), "the bridged reading in the pipeline");
    expect(sample.tags).toContain("room:cellar");
  });

  it("with share_group, several hubs split the remote broker's messages, each message reaching exactly one hub (MQTT 5 §4.8.2)", async () => {
    // Two hubs, each with its own session at the remote broker (one client id each), in one share group.
    const shared = (clientId: string) =>
      startTestHub({
        config: { mqtt: { bridges: [bridge({ client_id: clientId, share_group: "hearths", topics: [{ topic: "sensors/#", direction: "both" }] })] } },
      });
    const a = await shared("hearth-a");
    hubs.push(a);
    const b = await shared("hearth-b");
    hubs.push(b);
    await waitFor(async () => (await bridgeUp(a)) && (await bridgeUp(b)), "both bridges to connect");

    const received = async (t: TestHub, id: string) => {
      const c = keep(await connectMqtt(t.mqttUrl, { clientId: id }));
      const seen: string[] = [];
      c.on("message", (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
      await c.subscribeAsync("sensors/#", { qos: 1 });
      return seen;
    };
    const atA = await received(a, "sub-a");
    const atB = await received(b, "sub-b");
    const far = keep(await connectMqtt(remoteUrl(), { protocolVersion: 5, clientId: "far-publisher" }));
    const sent = Array.from({ length: 20 }, (_, i) => `sensors/room${i}/temperature ${20 + i}`);
    for (const m of sent) {
      const [topic, payload] = m.split(" ");
      await far.publishAsync(topic!, payload!, { qos: 1 });
    }
    await waitFor(() => atA.length + atB.length >= sent.length, "every message at one hub or the other");
    // The routes matched the plain filter (sensors/#) although the subscription was $share/hearths/sensors/#.
    expect([...atA, ...atB].sort()).toEqual([...sent].sort());
    expect(atA.length).toBeGreaterThan(0);
    expect(atB.length).toBeGreaterThan(0);

    // Without no-local on a shared subscription, Hearth drops its own echoes: a local message goes out once and does not come back.
    const farSeen: string[] = [];
    const watcher = keep(await connectMqtt(remoteUrl(), { clientId: "far-watcher" }));
    watcher.on("message", (topic, payload) => farSeen.push(`${topic} ${payload.toString()}`));
    await watcher.subscribeAsync("sensors/#", { qos: 1 });
    const local = keep(await connectMqtt(a.mqttUrl, { clientId: "local-a" }));
    await local.publishAsync("sensors/hall/temperature", "19", { qos: 1 });
    await waitFor(() => farSeen.includes("sensors/hall/temperature 19"), "the local message at the remote broker");
    await far.publishAsync("sensors/end/marker", "1", { qos: 1 });
    await waitFor(() => atA.includes("sensors/end/marker 1") || atB.includes("sensors/end/marker 1"), "a later remote message");
    expect(atA.filter((m) => m === "sensors/hall/temperature 19")).toHaveLength(1);
  });
});
