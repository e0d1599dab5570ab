import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { metricValue, scrape } from "../helpers/metrics.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { RawClient, connectPacket, publishPacket, subscribePacket } from "../helpers/raw-mqtt.js";
import { waitFor } from "../helpers/wait.js";

/**
 * The parts of the MQTT spec that protect the broker, over raw TCP: what a client library
 * would refuse to send is written byte by byte to the real broker.
 */
let t: TestHub | undefined;
const raw: RawClient[] = [];
afterEach(async () => {
  for (const c of raw.splice(0)) c.destroy();
  await t?.stop();
  t = undefined;
});

async function rawClient(port: number): Promise<RawClient> {
  const c = new RawClient(port);
  raw.push(c);
  await c.connected;
  return c;
}

/** The CONNACK a raw client got, once it is whole. */
async function connack(c: RawClient): Promise<number[]> {
  const got = await c.bytes(2, "a CONNACK");
  expect(got[0]).toBe(0x20);
  return [...(await c.bytes(2 + got[1]!, "the whole CONNACK")).subarray(0, 2 + got[1]!)];
}

/** What the broker's own store (storage.dir/broker.db) keeps of sessions, read as any SQLite client would. */
function brokerSessions(dir: string): { subscriptions: number; wills: number } {
  const db = new Database(path.join(dir, "data", "broker.db"), { readonly: true });
  try {
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { subscriptions: count("subscriptions"), wills: count("wills") };
  } finally {
    db.close();
  }
}

describe("the MQTT spec where it protects the broker", () => {
  it("[MQTT-3.1.3-8] a 3.1.1 CONNECT with an empty client id and clean session 0 gets CONNACK 2 (identifier rejected), is closed and leaves no session behind", async () => {
    t = await startTestHub();
    const before = metricValue(await scrape(t.httpUrl), "hearth_mqtt_connections_refused_total", { reason: "client_id" });
    const c = await rawClient(t.mqttPort);
    // A SUBSCRIBE right behind the CONNECT: had the broker kept a session, it would hold this subscription.
    await c.write(Buffer.concat([connectPacket({ clientId: "", clean: false }), subscribePacket("kept/#")]));
    expect(await connack(c)).toEqual([0x20, 0x02, 0x00, 0x02]);
    await c.waitClosed("the broker to close the refused connection");
    expect(c.received.length).toBe(4);
    expect(brokerSessions(t.dir)).toEqual({ subscriptions: 0, wills: 0 });
    expect(metricValue(await scrape(t.httpUrl), "hearth_mqtt_connections_refused_total", { reason: "client_id" })).toBe(before + 1);
    expect(t.logs.find((l) => l.code === "HEARTH_E_MQTT_LOGIN_REFUSED" && l.reason === "client_id")?.msg).toBe(
      "MQTT login refused for a client without an id: an empty client id needs a clean session [MQTT-3.1.3-8] (CONNACK 2)",
    );

    // [MQTT-3.1.3-7] With clean session 1 an empty client id is accepted.
    const clean = await rawClient(t.mqttPort);
    await clean.write(connectPacket({ clientId: "", clean: true }));
    expect(await connack(clean)).toEqual([0x20, 0x02, 0x00, 0x00]);
  });

  it("[MQTT-1.5.3-1] [MQTT-1.5.3-2] a PUBLISH or SUBSCRIBE whose topic is not UTF-8 or holds U+0000 closes the connection; nothing is delivered and the broker keeps serving others", async () => {
    t = await startTestHub();
    const watcher = await connectMqtt(t.mqttUrl);
    const seen: string[] = [];
    watcher.on("message", (topic) => seen.push(topic));
    await watcher.subscribeAsync("#");

    const notUtf8 = Buffer.from([0x61, 0x2f, 0xc3, 0x28]); // "a/" then a lead byte without its continuation
    const withNull = Buffer.from("a/\u0000/b", "utf8");
    const surrogate = Buffer.from([0x61, 0x2f, 0xed, 0xa0, 0x80]); // U+D800 encoded: not well-formed UTF-8 (MQTT 5 §1.5.4)
    const attacks: { what: string; version: 4 | 5; bytes: Buffer }[] = [
      { what: "PUBLISH, topic not UTF-8", version: 4, bytes: publishPacket(notUtf8, "x") },
      { what: "PUBLISH, topic with U+0000", version: 4, bytes: publishPacket(withNull, "x") },
      { what: "PUBLISH, topic with a surrogate", version: 4, bytes: publishPacket(surrogate, "x") },
      { what: "SUBSCRIBE, filter not UTF-8", version: 4, bytes: subscribePacket(notUtf8) },
      { what: "SUBSCRIBE, filter with U+0000", version: 4, bytes: subscribePacket(withNull) },
      { what: "MQTT 5 PUBLISH, topic not UTF-8", version: 5, bytes: publishPacket(notUtf8, "x", 5) },
      { what: "MQTT 5 SUBSCRIBE, filter with U+0000", version: 5, bytes: subscribePacket(withNull, 5) },
    ];
    const clients = await Promise.all(attacks.map(() => rawClient(t!.mqttPort)));
    await Promise.all(
      attacks.map(async (a, i) => {
        const c = clients[i]!;
        await c.write(connectPacket({ version: a.version, clientId: `bad-topic-${i}` }));
        const ack = await connack(c);
        expect(ack[3], a.what).toBe(0);
        await c.write(a.bytes);
        await c.waitClosed(`the broker to close the connection after a ${a.what}`);
        // MQTT 5 is told why [MQTT-3.14.2-1]: DISCONNECT 0x81, Malformed Packet; 3.1.1 has no code for it and gets no SUBACK.
        expect([...c.received.subarray(ack.length)], a.what).toEqual(a.version === 5 ? [0xe0, 0x02, 0x81, 0x00] : []);
      }),
    );

    const metrics = await scrape(t.httpUrl);
    expect(metricValue(metrics, "hearth_mqtt_connections_closed_total", { reason: "invalid_topic" })).toBe(attacks.length);
    const line = t.logs.find((l) => l.code === "HEARTH_E_MQTT_PROTOCOL" && l.reason === "invalid_topic");
    expect(String(line?.msg)).toMatch(
      /closed: packet 2 was refused: its (PUBLISH|SUBSCRIBE): a topic (is not well-formed UTF-8 \[MQTT-1\.5\.3-1\]|holds the null character U\+0000 \[MQTT-1\.5\.3-2\])$/,
    );

    // A client that was connected all along, and a new one, still publish and receive.
    const publisher = await connectMqtt(t.mqttUrl);
    await publisher.publishAsync("tele/plug1/SENSOR", JSON.stringify({ ENERGY: { Power: 7 } }), { qos: 1 });
    await waitFor(() => seen.includes("tele/plug1/SENSOR"), "the watcher to receive a good message");
    await waitFor(() => t!.samples.find((s) => s.metric === "power.watts" && s.value === 7), "the good message to be read");
    expect(seen).toEqual(["tele/plug1/SENSOR"]);
    await publisher.endAsync();
    await watcher.endAsync();
  });
});
