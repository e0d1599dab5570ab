import net from "node:net";
import type { MqttClient } from "mqtt";
import mqttPacket from "mqtt-packet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestHub } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { metricValue, scrape } from "../helpers/metrics.js";
import { waitFor } from "../helpers/wait.js";
import { LOGIN, handshake, inbox, refusal, startAclHub } from "./v5.js";

/** CONNACK for MQTT 5 clients, side by side with 3.1.1 ones, on one hub with a password file and an ACL. */
describe("MQTT 5 CONNECT and CONNACK", () => {
  let t: TestHub;
  let house: Awaited<ReturnType<typeof startAclHub>>;
  const keep = (c: MqttClient) => house.keep(c);
  const login = LOGIN;
  const v5 = (clientId: string, extra: Record<string, unknown> = {}) => keep2(connectMqtt(t.mqttUrl, { protocolVersion: 5, clientId, ...login, ...extra }));
  const keep2 = async (p: Promise<MqttClient>) => keep(await p);
  const refused = async (reason: string) => metricValue(await scrape(t.httpUrl), "hearth_mqtt_connections_refused_total", { reason });

  beforeAll(async () => {
    house = await startAclHub("connect");
    t = house.hub;
  });
  afterAll(() => house.stop());

  it("[MQTT-3.1.2-4] [MQTT-3.2.2-2] [MQTT-3.2.2-3] clean start discards the session: session present 0 and no queued message, where clean start 0 resumes it", async () => {
    const session = { clean: false, properties: { sessionExpiryInterval: 300 } };
    const first = await v5("v5-clean-start", session);
    await first.subscribeAsync("clean/#", { qos: 1 });
    await first.endAsync();
    const pub = await v5("v5-clean-pub");
    await pub.publishAsync("clean/one", "queued-1", { qos: 1 });

    const resumed = await handshake(t.mqttUrl, { protocolVersion: 5, clientId: "v5-clean-start", ...login, ...session });
    if (!resumed.ok) throw new Error("resume refused");
    keep(resumed.client);
    const got = inbox(resumed.client);
    expect(resumed.connack.sessionPresent).toBe(true);
    await waitFor(() => got.some((m) => m.text === "queued-1"), "the message queued while away");
    await resumed.client.endAsync();

    await pub.publishAsync("clean/one", "queued-2", { qos: 1 });
    const fresh = await handshake(t.mqttUrl, {
      protocolVersion: 5,
      clientId: "v5-clean-start",
      ...login,
      clean: true,
      properties: { sessionExpiryInterval: 300 },
    });
    if (!fresh.ok) throw new Error("clean start refused");
    keep(fresh.client);
    const after = inbox(fresh.client);
    expect(fresh.connack.sessionPresent).toBe(false);
    await fresh.client.subscribeAsync("clean/#", { qos: 1 });
    await pub.publishAsync("clean/one", "marker", { qos: 1 });
    await waitFor(() => after.some((m) => m.text === "marker"), "the marker");
    expect(after.map((m) => m.text)).toEqual(["marker"]);
  });

  it("[MQTT-3.1.2-23] session expiry interval 0: the session ends with the connection (a 3.1.1 clean session 0 keeps it)", async () => {
    const a = await v5("v5-expiry-zero", { clean: false, properties: { sessionExpiryInterval: 0 } });
    await a.subscribeAsync("zero/#", { qos: 1 });
    await a.endAsync();
    const again = await handshake(t.mqttUrl, { protocolVersion: 5, clientId: "v5-expiry-zero", ...login, clean: false });
    if (!again.ok) throw new Error("refused");
    keep(again.client);
    expect(again.connack.sessionPresent).toBe(false);

    const old = keep(await connectMqtt(t.mqttUrl, { protocolVersion: 4, clientId: "v4-persistent", ...login, clean: false }));
    await old.subscribeAsync("zero/#", { qos: 1 });
    await old.endAsync();
    const back = await handshake(t.mqttUrl, { protocolVersion: 4, clientId: "v4-persistent", ...login, clean: false });
    if (!back.ok) throw new Error("refused");
    keep(back.client);
    expect(back.connack.sessionPresent).toBe(true);
  });

  it("[MQTT-3.1.2-23] session expiry interval of N seconds: the session is kept while away, and ends N seconds after the connection", async () => {
    const expired: string[] = [];
    t.hub.broker.instance.on("sessionExpired", (client: { id: string }) => expired.push(client.id));
    const session = { clean: false, properties: { sessionExpiryInterval: 1 } };
    const a = await v5("v5-expiry-one", session);
    await a.subscribeAsync("one/#", { qos: 1 });
    await a.endAsync();
    const back = await handshake(t.mqttUrl, { protocolVersion: 5, clientId: "v5-expiry-one", ...login, ...session });
    if (!back.ok) throw new Error("refused");
    expect(back.connack.sessionPresent).toBe(true);
    await back.client.endAsync();
    await waitFor(() => expired.includes("v5-expiry-one"), "the session to expire");
    const late = await handshake(t.mqttUrl, { protocolVersion: 5, clientId: "v5-expiry-one", ...login, ...session });
    if (!late.ok) throw new Error("refused");
    keep(late.client);
    expect(late.connack.sessionPresent).toBe(false);
  });

  it("[MQTT-3.1.2-23] session expiry interval 0xFFFFFFFF: the session does not expire, and the CONNACK grants it as asked", async () => {
    const session = { clean: false, properties: { sessionExpiryInterval: 0xffffffff } };
    const first = await handshake(t.mqttUrl, { protocolVersion: 5, clientId: "v5-forever", ...login, ...session });
    if (!first.ok) throw new Error("refused");
    // Absent from the CONNACK: the server uses the interval the client asked for (§3.2.2.3.2).
    expect(first.connack.properties?.sessionExpiryInterval).toBeUndefined();
    await first.client.subscribeAsync("forever/#", { qos: 1 });
    await first.client.endAsync();
    const pub = await v5("v5-forever-pub");
    await pub.publishAsync("forever/x", "kept", { qos: 1 });
    const back = await handshake(t.mqttUrl, { protocolVersion: 5, clientId: "v5-forever", ...login, ...session });
    if (!back.ok) throw new Error("refused");
    keep(back.client);
    const got = inbox(back.client);
    expect(back.connack.sessionPresent).toBe(true);
    await waitFor(() => got.some((m) => m.text === "kept"), "the queued message");
  });

  it("[MQTT-3.1.3-6] [MQTT-3.2.2-16] an empty client id gets a new, unique Assigned Client Identifier in the CONNACK", async () => {
    const a = await handshake(t.mqttUrl, { protocolVersion: 5, clientId: "", ...login });
    const b = await handshake(t.mqttUrl, { protocolVersion: 5, clientId: "", ...login });
    if (!a.ok || !b.ok) throw new Error("refused");
    keep(a.client);
    keep(b.client);
    const idA = a.connack.properties?.assignedClientIdentifier;
    const idB = b.connack.properties?.assignedClientIdentifier;
    expect(idA).toMatch(/\S/);
    expect(idB).toMatch(/\S/);
    expect(idA).not.toBe(idB);
    // Both stay connected: neither id took the other's session over.
    expect(a.client.connected && b.client.connected).toBe(true);
    // A 3.1.1 client with an empty id and a clean session gets in as before (MQTT 3.1.1 [MQTT-3.1.3-6]).
    const old = await handshake(t.mqttUrl, { protocolVersion: 4, clientId: "", ...login, clean: true });
    expect(old.ok).toBe(true);
    if (old.ok) keep(old.client);
  });

  it("[MQTT-3.2.2-8] a wrong password or unknown user gets CONNACK 0x86 (Bad User Name or Password), a 3.1.1 client 4, both counted", async () => {
    const before = await refused("bad_credentials");
    expect(await refusal(t.mqttUrl, { protocolVersion: 5, clientId: "v5-wrong", username: "homeowner", password: "nope" })).toBe(0x86);
    expect(await refusal(t.mqttUrl, { protocolVersion: 5, clientId: "v5-nobody", username: "nobody", password: "x" })).toBe(0x86);
    expect(await refusal(t.mqttUrl, { protocolVersion: 4, clientId: "v4-wrong", username: "homeowner", password: "nope" })).toBe(4);
    await waitFor(async () => (await refused("bad_credentials")) === before + 3, "three refusals counted");
  });

  it("[MQTT-3.2.2-8] no credentials with anonymous access off, or a will the ACL forbids, gets CONNACK 0x87 (Not authorized), a 3.1.1 client 5", async () => {
    const anonymous = await refused("anonymous");
    const will = await refused("will_denied");
    expect(await refusal(t.mqttUrl, { protocolVersion: 5, clientId: "v5-anon" })).toBe(0x87);
    expect(await refusal(t.mqttUrl, { protocolVersion: 4, clientId: "v4-anon" })).toBe(5);
    const badWill = { topic: "cmnd/other/POWER", payload: Buffer.from("OFF"), qos: 0 as const, retain: false };
    expect(await refusal(t.mqttUrl, { protocolVersion: 5, clientId: "plug1", username: "tasmota", password: "plug-pass", will: badWill })).toBe(0x87);
    expect(await refusal(t.mqttUrl, { protocolVersion: 4, clientId: "plug1", username: "tasmota", password: "plug-pass", will: badWill })).toBe(5);
    await waitFor(async () => (await refused("anonymous")) === anonymous + 2 && (await refused("will_denied")) === will + 2, "the refusals counted");
    const logged = t.logs.find((e) => e.code === "HEARTH_E_MQTT_LOGIN_REFUSED" && e.reason === "will_denied");
    expect(JSON.stringify(logged)).not.toContain("plug-pass");
  });

  it("[MQTT-3.1.3-8] a client id with a control character gets CONNACK 0x85 (Client Identifier not valid), a 3.1.1 client 2 (identifier rejected)", async () => {
    const before = await refused("client_id");
    expect(await refusal(t.mqttUrl, { protocolVersion: 5, clientId: "plug\u0007bell", ...login })).toBe(0x85);
    expect(await refusal(t.mqttUrl, { protocolVersion: 4, clientId: "plug\nnewline", ...login })).toBe(2);
    await waitFor(async () => (await refused("client_id")) === before + 2, "the refusals counted");
    // [MQTT-3.1.3-5]: ids of letters and digits, and the usual device ids, stay welcome.
    for (const clientId of ["tasmota5C1F2A", "shellyplug-s-C8C9A3", "mosq-Ab12_x/y"]) {
      const ok = await handshake(t.mqttUrl, { protocolVersion: 5, clientId, ...login });
      expect(ok.ok).toBe(true);
      if (ok.ok) keep(ok.client);
    }
  });

  it("[MQTT-3.1.3-2] client ids and topic filters that name JavaScript object members (constructor, __proto__) are ordinary ids and filters", async () => {
    const seen: string[] = [];
    for (const [clientId, version] of [
      ["constructor", 5],
      ["__proto__", 5],
      ["toString", 4],
      ["hasOwnProperty", 4],
    ] as const) {
      const c = await handshake(t.mqttUrl, { protocolVersion: version, clientId, ...login });
      if (!c.ok) throw new Error(`${clientId} refused`);
      keep(c.client);
      const granted = await c.client.subscribeAsync(["constructor", "__proto__"], { qos: 1 });
      expect(granted.map((g) => [g.topic, g.qos])).toEqual([
        ["constructor", 1],
        ["__proto__", 1],
      ]);
      c.client.on("message", (topic) => seen.push(`${clientId} ${topic}`));
    }
    const pub = await v5("proto-publisher");
    await pub.publishAsync("constructor", "x", { qos: 1 });
    await pub.publishAsync("__proto__", "y", { qos: 1 });
    await waitFor(() => seen.length === 8, "each of the four clients to get both messages");
    expect(seen.sort()).toEqual([
      "__proto__ __proto__",
      "__proto__ constructor",
      "constructor __proto__",
      "constructor constructor",
      "hasOwnProperty __proto__",
      "hasOwnProperty constructor",
      "toString __proto__",
      "toString constructor",
    ]);
  });

  it("[MQTT-3.2.2-22] [MQTT-3.1.2-22] without a Server Keep Alive, the broker keeps the client's own: silent for 1.5 times it, the client is dropped and its will published", async () => {
    const watcher = await v5("keepalive-watcher");
    const wills = inbox(watcher);
    await watcher.subscribeAsync("keepalive/+/status", { qos: 1 });

    // A raw socket, so nothing answers for the client once it has connected.
    const socket = net.connect(t.mqttPort, "127.0.0.1");
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    const packets: mqttPacket.Packet[] = [];
    parser.on("packet", (p) => packets.push(p));
    socket.on("data", (d) => parser.parse(d));
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write(
      mqttPacket.generate(
        {
          cmd: "connect",
          protocolId: "MQTT",
          protocolVersion: 5,
          clean: true,
          clientId: "silent-sensor",
          keepalive: 1,
          ...login,
          password: Buffer.from(login.password),
          will: { topic: "keepalive/silent-sensor/status", payload: Buffer.from("lost"), qos: 1, retain: false },
        },
        { protocolVersion: 5 },
      ),
    );
    const connack = await waitFor(() => packets.find((p): p is mqttPacket.IConnackPacket => p.cmd === "connack"), "the CONNACK");
    expect(connack.reasonCode).toBe(0);
    expect(connack.properties?.serverKeepAlive).toBeUndefined();
    await closed;
    await waitFor(() => wills.some((m) => m.topic === "keepalive/silent-sensor/status" && m.text === "lost"), "the will of the silent client");
  });

  it("[MQTT-3.2.2-9] [MQTT-3.3.4-9] the CONNACK advertises what the broker does: QoS 2, retain and wildcards available (absent), Receive Maximum 65535 (absent), shared subscriptions off, 10 topic aliases", async () => {
    const h = await handshake(t.mqttUrl, { protocolVersion: 5, clientId: "v5-capabilities", ...login });
    if (!h.ok) throw new Error("refused");
    const c = keep(h.client);
    const props = h.connack.properties ?? {};
    expect(props.maximumQoS).toBeUndefined();
    expect(props.retainAvailable).toBeUndefined();
    expect(props.wildcardSubscriptionAvailable).toBeUndefined();
    expect(props.subscriptionIdentifiersAvailable).toBeUndefined();
    expect(props.receiveMaximum).toBeUndefined();
    expect(props.sharedSubscriptionAvailable).toBe(false);
    expect(props.topicAliasMaximum).toBe(10);
    // And they hold: a retained QoS 2 message reaches a later wildcard subscription, and 30 QoS 1
    // publishes in flight at once are all acknowledged.
    await c.publishAsync("caps/room/temp", "21.5", { qos: 2, retain: true });
    const got = inbox(c);
    await c.subscribeAsync("caps/+/temp", { qos: 2 });
    await waitFor(() => got.some((m) => m.text === "21.5" && m.retain), "the retained message");
    await Promise.all(Array.from({ length: 30 }, (_, i) => c.publishAsync("caps/flight", String(i), { qos: 1 })));
  });
});
