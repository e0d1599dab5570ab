import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCertificates } from "../helpers/certs.js";
import { readFixture } from "../helpers/fixtures.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { TestMosquitto } from "../helpers/mosquitto.js";
import { freePort } from "../helpers/ports.js";
import { connectMqtt, mosquittoPub } from "../helpers/mqtt.js";
import { waitFor } from "../helpers/wait.js";

interface Health {
  status: string;
  components: Record<string, { state: string; critical: boolean; detail?: string; info?: Record<string, unknown> }>;
}

const healthOf = async (t: TestHub) => {
  const res = await fetch(`${t.httpUrl}/healthz`);
  return { code: res.status, body: (await res.json()) as Health };
};
const metrics = async (t: TestHub) => (await fetch(`${t.httpUrl}/metrics`)).text();

/** Collects the messages a client receives, as "topic payload". */
function recorder(client: MqttClient): string[] {
  const seen: string[] = [];
  client.on("message", (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
  return seen;
}

const energy = readFixture("power/tasmota-sensor-energy.json").trim();

describe.each([5, 4] as const)("bridge to a Mosquitto (MQTT %s)", (protocolVersion) => {
  let dir: string;
  let remote: TestMosquitto;
  let t: TestHub;
  const clients: MqttClient[] = [];
  const keep = (c: MqttClient) => (clients.push(c), c);
  const remoteUrl = () => `mqtt://127.0.0.1:${remote.port}`;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-bridge-"));
    remote = await TestMosquitto.start(path.join(dir, "mosquitto"));
    // Retained at the house's broker before Hearth starts: the bridge must bring it over on subscribing.
    await mosquittoPub(remote.port, "tele/hallway/LWT", "Online", { retain: true, qos: 1 });
    t = await startTestHub({
      config: {
        mqtt: {
          bridges: [
            {
              name: "house",
              url: remoteUrl(),
              protocol_version: protocolVersion,
              reconnect: { min: "100ms", max: "1s" },
              topics: [
                { topic: "tele/#", direction: "in" },
                { topic: "zigbee2mqtt/#", direction: "in", local_prefix: "neighbour/" },
                { topic: "alerts/#", direction: "out", remote_prefix: "hearth-out/" },
                { topic: "shared/#", direction: "both" },
              ],
            },
          ],
        },
      },
    });
    await waitFor(async () => (await healthOf(t)).body.components["bridge:house"]?.state === "ok", "the bridge to connect");
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await t.stop();
    await remote.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("ingests the remote broker's messages as if published locally, retained ones included", async () => {
    await mosquittoPub(remote.port, "tele/plug5/SENSOR", energy);
    await waitFor(() => t.samples.find((s) => s.metric === "power.watts" && s.tags.includes("device:plug5")), "power.watts from plug5");

    const local = keep(await connectMqtt(t.mqttUrl));
    const seen = recorder(local);
    await local.subscribeAsync("tele/+/LWT", { qos: 1 });
    await waitFor(() => seen.length > 0, "the retained LWT");
    expect(seen).toEqual(["tele/hallway/LWT Online"]);
  });

  it("rewrites topic prefixes both ways", async () => {
    const local = keep(await connectMqtt(t.mqttUrl));
    const localSeen = recorder(local);
    await local.subscribeAsync("neighbour/#", { qos: 1 });
    const far = keep(await connectMqtt(remoteUrl()));
    const farSeen = recorder(far);
    await far.subscribeAsync("hearth-out/#", { qos: 1 });

    await mosquittoPub(remote.port, "zigbee2mqtt/kitchen_plug", '{"power":12.5}', { qos: 1 });
    await local.publishAsync("alerts/stove", "on", { qos: 1 });
    await waitFor(() => localSeen.length > 0 && farSeen.length > 0, "a message each way");
    expect(localSeen).toEqual(['neighbour/zigbee2mqtt/kitchen_plug {"power":12.5}']);
    expect(farSeen).toEqual(["hearth-out/alerts/stove on"]);
  });

  it("sends nothing back the way it came, so a topic bridged both ways neither echoes nor loops", async () => {
    const local = keep(await connectMqtt(t.mqttUrl, { clientId: `local-${protocolVersion}` }));
    const localSeen = recorder(local);
    await local.subscribeAsync("shared/#", { qos: 1 });
    const far = keep(await connectMqtt(remoteUrl(), { clientId: `far-${protocolVersion}` }));
    const farSeen = recorder(far);
    await far.subscribeAsync("shared/#", { qos: 1 });

    // Out and back: the remote side acknowledges what it got; any echo of "a" would reach Hearth before that acknowledgement.
    far.on("message", (topic) => topic === "shared/a" && void far.publishAsync("shared/ack-a", "1", { qos: 1 }));
    await local.publishAsync("shared/a", "from-hearth", { qos: 1 });
    await waitFor(() => localSeen.includes("shared/ack-a 1"), "the remote acknowledgement");
    expect(localSeen).toEqual(["shared/a from-hearth", "shared/ack-a 1"]);

    // In and not out again: Hearth acknowledges what came in; a copy sent back would reach the remote side before that.
    local.on("message", (topic) => topic === "shared/b" && void local.publishAsync("shared/ack-b", "1", { qos: 1 }));
    await far.publishAsync("shared/b", "from-house", { qos: 1 });
    await waitFor(() => farSeen.includes("shared/ack-b 1"), "Hearth's acknowledgement at the remote side");
    expect(farSeen).toEqual(["shared/a from-hearth", "shared/ack-a 1", "shared/b from-house", "shared/ack-b 1"]);
  });

  it("shows the link on /healthz and /metrics, stays healthy while the remote broker is down, and comes back on its own when it restarts", async () => {
    const before = await healthOf(t);
    expect(before.body.components["bridge:house"]).toMatchObject({ state: "ok", critical: false, info: { url: `${remoteUrl()}` } });
    expect(await metrics(t)).toContain('hearth_mqtt_bridge_up{bridge="house"} 1');

    await remote.stop();
    await waitFor(async () => (await healthOf(t)).body.components["bridge:house"]?.state === "degraded", "the bridge to be reported down");
    const down = await healthOf(t);
    expect(down.code).toBe(200); // a bridge is not critical: the container stays healthy
    expect(down.body.status).toBe("degraded");
    expect(down.body.components["bridge:house"]!.info!.retry_in_ms).toBeLessThanOrEqual(1200); // reconnect.max plus jitter
    expect(await metrics(t)).toContain('hearth_mqtt_bridge_up{bridge="house"} 0');
    expect(t.logs.find((e) => e.code === "HEARTH_E_BRIDGE_DOWN")).toMatchObject({
      bridge: "house",
      msg: expect.stringContaining('Bridge "house" lost its connection') as unknown,
    });

    // While the link is down: QoS 1 is kept for the remote broker, QoS 0 is dropped and counted.
    const local = keep(await connectMqtt(t.mqttUrl));
    await local.publishAsync("alerts/freezer", "warm", { qos: 1, retain: true });
    await local.publishAsync("alerts/noise", "x", { qos: 0 });
    await waitFor(
      async () => (await metrics(t)).includes('hearth_mqtt_bridge_dropped_total{bridge="house",reason="link_down"} 1'),
      "the dropped QoS 0 message",
    );

    await remote.restart();
    await waitFor(async () => (await healthOf(t)).body.components["bridge:house"]?.state === "ok", "the bridge to reconnect");
    const m = await metrics(t);
    expect(m).toContain('hearth_mqtt_bridge_up{bridge="house"} 1');
    expect(m).toMatch(/hearth_mqtt_bridge_connections_total\{bridge="house",outcome="lost"\} 1/);

    const far = keep(await connectMqtt(remoteUrl()));
    const farSeen = recorder(far);
    await far.subscribeAsync("hearth-out/#", { qos: 1 });
    await waitFor(() => farSeen.length > 0, "the message kept while the link was down");
    expect(farSeen).toEqual(["hearth-out/alerts/freezer warm"]);

    // The restarted Mosquitto kept no session: the bridge subscribed again, so messages flow in again.
    await mosquittoPub(remote.port, "tele/plug6/SENSOR", energy);
    await waitFor(() => t.samples.find((s) => s.metric === "power.watts" && s.tags.includes("device:plug6")), "power.watts from plug6 after the restart");
  });
});

describe("a bridge as Hearth's only input, beside a broker that owns the port", () => {
  let dir: string;
  let remote: TestMosquitto;
  let t: TestHub;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-bridge-only-"));
    remote = await TestMosquitto.start(path.join(dir, "mosquitto"));
    t = await startTestHub({
      config: { mqtt: { listen: false, bridges: [{ name: "house", url: `mqtt://127.0.0.1:${remote.port}`, topics: [{ topic: "tele/#" }] }] } },
    });
  });
  afterAll(async () => {
    await t.stop();
    await remote.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("opens no listener of its own and still turns the house's messages into samples", async () => {
    expect(t.hub.broker.ports()).toEqual({});
    await waitFor(async () => (await healthOf(t)).body.components["bridge:house"]?.state === "ok", "the bridge to connect");
    await mosquittoPub(remote.port, "tele/plug8/SENSOR", energy);
    await waitFor(() => t.samples.find((s) => s.metric === "power.watts" && s.tags.includes("device:plug8")), "power.watts from plug8");
    expect((await healthOf(t)).body.components.broker).toMatchObject({ state: "ok", info: { mqtt_port: null } });
  });
});

describe("bridge credentials and TLS", () => {
  let dir: string;
  let remote: TestMosquitto;
  let t: TestHub;
  let tlsPort: number;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-bridge-tls-"));
    const certs = makeCertificates(path.join(dir, "certs"));
    const passwd = path.join(dir, "mosquitto.passwd");
    execFileSync("mosquitto_passwd", ["-b", "-c", passwd, "hearth", "link-pass"]);
    tlsPort = await freePort();
    remote = await TestMosquitto.start(path.join(dir, "mosquitto"), [
      "allow_anonymous false",
      `password_file ${passwd}`,
      `listener ${tlsPort} 127.0.0.1`,
      `cafile ${certs.ca}`,
      `certfile ${certs.serverCert}`,
      `keyfile ${certs.serverKey}`,
    ]);
    const bridge = {
      url: `mqtts://127.0.0.1:${tlsPort}`,
      username: "hearth",
      tls: { ca: certs.ca },
      reconnect: { min: "100ms", max: "1s" },
      topics: [{ topic: "tele/#" }],
    };
    t = await startTestHub({
      env: { BRIDGE_PASSWORD: "link-pass" },
      config: {
        mqtt: {
          bridges: [
            { name: "secure", password: "${BRIDGE_PASSWORD}", ...bridge },
            { name: "wrongpass", password: "not-the-link-pass", ...bridge },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await t.stop();
    await remote.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("logs in over TLS with the configured credentials, and reports a refused login as degraded without taking the hub down", async () => {
    await waitFor(async () => (await healthOf(t)).body.components["bridge:secure"]?.state === "ok", "the TLS bridge to connect");
    await mosquittoPub(remote.port, "tele/plug9/SENSOR", energy, { username: "hearth", password: "link-pass" });
    await waitFor(() => t.samples.find((s) => s.metric === "power.watts" && s.tags.includes("device:plug9")), "power.watts over the TLS bridge");

    await waitFor(async () => (await healthOf(t)).body.components["bridge:wrongpass"]?.state === "degraded", "the refused bridge");
    const h = await healthOf(t);
    expect(h.code).toBe(200);
    expect(h.body.components["bridge:wrongpass"]!.detail).toMatch(/not authori[sz]ed|bad user name or password/i);
    expect(JSON.stringify(t.logs.entries)).not.toContain("link-pass");
  });
});

describe("a bridge's persistent session at the remote broker", () => {
  let dir: string;
  let remote: TestMosquitto;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-bridge-session-"));
    remote = await TestMosquitto.start(path.join(dir, "mosquitto"));
  });
  afterAll(async () => {
    await remote.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("gets the QoS 1 messages published at the remote broker while Hearth was stopped", async () => {
    const config = { mqtt: { bridges: [{ name: "house", url: `mqtt://127.0.0.1:${remote.port}`, topics: [{ topic: "tele/#", qos: 1 }] }] } };
    const hubDir = path.join(dir, "hub");
    fs.mkdirSync(hubDir);
    let t = await startTestHub({ dir: hubDir, config });
    await waitFor(async () => (await healthOf(t)).body.components["bridge:house"]?.state === "ok", "the bridge to connect");
    await t.hub.stop();

    await mosquittoPub(remote.port, "tele/plug10/SENSOR", energy, { qos: 1 });

    t = await startTestHub({ dir: hubDir, config });
    try {
      await waitFor(
        () => t.samples.find((s) => s.metric === "power.watts" && s.tags.includes("device:plug10")),
        "the message kept for Hearth by the remote broker",
      );
      expect(t.logs.find((e) => e.bridge === "house" && e.session_present === true)).toBeDefined();
    } finally {
      await t.stop();
    }
  });
});
