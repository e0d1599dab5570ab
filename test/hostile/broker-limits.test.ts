import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { startTestHub, writeTestConfig, type TestHub } from "../helpers/hub.js";
import { metricValue, scrape } from "../helpers/metrics.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { HearthProcess } from "../helpers/process.js";
import { RawClient, connectHeader, connectPacket, publishPacket, remainingLength, rssOf } from "../helpers/raw-mqtt.js";
import { waitFor } from "../helpers/wait.js";

/**
 * A client that announces a huge packet, or sends one slowly, must not make the broker hold
 * its memory: the packet is refused at its fixed header, and a packet in progress has a
 * deadline. The hub runs as its own process so its resident memory can be read from /proc.
 */
const MB = 1024 * 1024;
/** The largest Remaining Length MQTT can express (§2.2.3): 268,435,455 bytes. */
const LARGEST = 268_435_455;

let proc: HearthProcess | undefined;
let dir: string | undefined;
let t: TestHub | undefined;
const raw: RawClient[] = [];
afterEach(async () => {
  for (const c of raw.splice(0)) c.destroy();
  await proc?.stop();
  proc = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
  await t?.stop();
  t = undefined;
});

async function startProcess(mqtt: Record<string, unknown>): Promise<{ mqttPort: number; httpUrl: string }> {
  const written = writeTestConfig({ config: { mqtt, log: { level: "info", format: "json" } } });
  dir = written.dir;
  proc = new HearthProcess(written.configFile, written.rulesDir);
  const mqttLine = await proc.waitForLog("MQTT broker listening");
  const httpLine = await proc.waitForLog("HTTP listening");
  return { mqttPort: Number(mqttLine.port), httpUrl: `http://127.0.0.1:${Number(httpLine.port)}` };
}

/** Sends junk after the header until the broker closes the connection or `limit` bytes have gone. */
async function flood(c: RawClient, limit: number): Promise<number> {
  const junk = Buffer.alloc(MB, 0x61);
  let sent = 0;
  while (!c.closed && sent < limit) {
    await c.write(junk);
    sent += junk.length;
  }
  return sent;
}

/** Runs `attack` while sampling the process's RSS every 20 ms; the largest growth over the RSS before it. */
async function rssGrowth(pid: number, attack: () => Promise<unknown>): Promise<number> {
  const before = rssOf(pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 20);
  try {
    await attack();
  } finally {
    clearInterval(sampler);
  }
  return Math.max(peak, rssOf(pid)) - before;
}

/** The CONNACK a raw client got: [type, remaining length, flags, code…]; resolves once it is whole. */
async function connack(c: RawClient): Promise<Buffer> {
  const got = await c.bytes(2, "a CONNACK");
  expect(got[0]).toBe(0x20);
  return (await c.bytes(2 + got[1]!, "the whole CONNACK")).subarray(0, 2 + got[1]!);
}

describe("packets announcing more than the broker allows", () => {
  it("five CONNECTs announcing 268 MB are refused at their header: RSS grows by less than 50 MB and each connection closes", async () => {
    const hub = await startProcess({});
    const clients = Array.from({ length: 5 }, () => new RawClient(hub.mqttPort));
    raw.push(...clients);
    await Promise.all(clients.map((c) => c.connected));
    const growth = await rssGrowth(proc!.pid, async () => {
      await Promise.all(
        clients.map(async (c) => {
          await c.write(connectHeader(LARGEST));
          await flood(c, 64 * MB);
          await c.waitClosed("the broker to close a connection announcing a 268 MB CONNECT");
        }),
      );
    });
    expect(growth).toBeLessThan(50 * MB);
    // 3.1.1 has no code for it: the connection is closed without a CONNACK.
    for (const c of clients) expect(c.received.length).toBe(0);
    const metrics = await scrape(hub.httpUrl);
    expect(metricValue(metrics, "hearth_mqtt_connections_closed_total", { reason: "connect_too_large" })).toBe(5);
    const line = proc!.logs.find((l) => l.code === "HEARTH_E_MQTT_LIMIT" && l.reason === "connect_too_large");
    expect(String(line?.msg)).toContain(`announces ${LARGEST + 5} bytes`);
  });

  it("an MQTT 5 CONNECT announcing 268 MB gets CONNACK 0x95 (packet too large) before the connection closes", async () => {
    const hub = await startProcess({});
    const c = new RawClient(hub.mqttPort);
    raw.push(c);
    await c.connected;
    await c.write(connectHeader(LARGEST, 5));
    await flood(c, 16 * MB);
    await c.waitClosed("the broker to close the connection");
    expect([...(await connack(c))]).toEqual([0x20, 0x03, 0x00, 0x95, 0x00]);
  });

  it("a logged-in client's PUBLISH announcing more than max_payload_bytes is refused at its header (MQTT 5: DISCONNECT 0x95), and the broker keeps serving others", async () => {
    const hub = await startProcess({ max_payload_bytes: MB });
    const subscriber = await connectMqtt(`mqtt://127.0.0.1:${hub.mqttPort}`);
    await subscriber.subscribeAsync("limits/ok");
    const clients = Array.from({ length: 5 }, () => new RawClient(hub.mqttPort));
    raw.push(...clients);
    const growth = await rssGrowth(proc!.pid, async () => {
      await Promise.all(
        clients.map(async (c, i) => {
          const version = i === 0 ? 5 : 4;
          await c.connected;
          await c.write(connectPacket({ version, clientId: `big-${i}` }));
          const ack = await connack(c);
          expect(ack[version === 5 ? 3 : 3]).toBe(0);
          await c.write(Buffer.concat([Buffer.from([0x30]), remainingLength(200 * MB), Buffer.from([0, 3]), Buffer.from("a/b")]));
          await flood(c, 64 * MB);
          await c.waitClosed("the broker to close a connection announcing a 200 MB PUBLISH");
        }),
      );
    });
    expect(growth).toBeLessThan(50 * MB);
    // The MQTT 5 client was told why, after its CONNACK [MQTT-3.14.2-1].
    const v5 = clients[0]!.received;
    const ackLength = 2 + v5[1]!;
    expect([...v5.subarray(ackLength)]).toEqual([0xe0, 0x02, 0x95, 0x00]);
    expect(metricValue(await scrape(hub.httpUrl), "hearth_mqtt_connections_closed_total", { reason: "too_large" })).toBe(5);
    // A message within the limit still goes through, from a client that connected before and one that connects now.
    const got = new Promise<Buffer>((resolve) => subscriber.once("message", (_topic, payload) => resolve(payload)));
    const publisher = await connectMqtt(`mqtt://127.0.0.1:${hub.mqttPort}`);
    const payload = Buffer.alloc(MB - 1024, 0x62);
    await publisher.publishAsync("limits/ok", payload, { qos: 1 });
    expect((await got).equals(payload)).toBe(true);
    await publisher.endAsync();
    await subscriber.endAsync();
  });
});

describe("a packet in progress has a deadline", () => {
  it("half a CONNECT, or half a PUBLISH from a logged-in client, closes the connection after mqtt.packet_timeout; whole packets are not affected", async () => {
    t = await startTestHub({ config: { mqtt: { packet_timeout: "500ms" } } });
    const idle = await connectMqtt(t.mqttUrl);
    const halfConnect = new RawClient(t.mqttPort);
    const halfPublish = new RawClient(t.mqttPort);
    raw.push(halfConnect, halfPublish);
    await Promise.all([halfConnect.connected, halfPublish.connected]);
    await halfConnect.write(connectPacket({ clientId: "slow-1" }).subarray(0, 8));
    await halfPublish.write(connectPacket({ clientId: "slow-2" }));
    await connack(halfPublish);
    await halfPublish.write(publishPacket("slow/topic", Buffer.alloc(10_000)).subarray(0, 100));
    await halfConnect.waitClosed("the broker to close a connection whose CONNECT stopped halfway");
    await halfPublish.waitClosed("the broker to close a connection whose PUBLISH stopped halfway");
    const metrics = await scrape(t.httpUrl);
    expect(metricValue(metrics, "hearth_mqtt_connections_closed_total", { reason: "slow_packet" })).toBe(2);
    // A client that sends nothing between packets is governed by its keep-alive, not by the packet deadline.
    expect(idle.connected).toBe(true);
    await idle.publishAsync("tele/plug1/SENSOR", JSON.stringify({ ENERGY: { Power: 5 } }), { qos: 1 });
    await waitFor(() => t!.samples.find((s) => s.metric === "power.watts"), "the idle client's message to be handled");
    await idle.endAsync();
  });
});
