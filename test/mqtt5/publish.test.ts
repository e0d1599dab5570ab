import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { TestHub } from "../helpers/hub.js";
import { connectMqtt, mosquittoPub } from "../helpers/mqtt.js";
import { metricValue, scrape } from "../helpers/metrics.js";
import { waitFor } from "../helpers/wait.js";
import { LOGIN, handshake, inbox, mosquittoSub5, startAclHub } from "./v5.js";

/** PUBLISH from and to MQTT 5 clients, with 3.1.1 clients beside them. */
describe("MQTT 5 PUBLISH", () => {
  let t: TestHub;
  let house: Awaited<ReturnType<typeof startAclHub>>;
  const login = LOGIN;
  const connect = async (clientId: string, version: 4 | 5 = 5, extra: Record<string, unknown> = {}) => {
    const c = await connectMqtt(t.mqttUrl, { protocolVersion: version, clientId, ...login, ...extra });
    return house.keep(c);
  };

  beforeAll(async () => {
    house = await startAclHub("publish");
    t = house.hub;
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(() => house.stop());

  /**
   * An offline MQTT 5 session, and messages with and without an expiry waiting for it. The
   * broker reads the wall clock (Date.now) to age them, so the test moves that clock forward
   * rather than waiting.
   */
  const queueWithExpiries = async (id: string, topic: string) => {
    const session = { clean: false, properties: { sessionExpiryInterval: 3600 } };
    const sub = await connect(id, 5, session);
    await sub.subscribeAsync(`${topic}/#`, { qos: 1 });
    await sub.endAsync();
    const pub = await connect(`${id}-pub`);
    await pub.publishAsync(`${topic}/short`, "short", { qos: 1, properties: { messageExpiryInterval: 60 } });
    await pub.publishAsync(`${topic}/long`, "long", { qos: 1, properties: { messageExpiryInterval: 3600 } });
    await pub.publishAsync(`${topic}/retained-short`, "retained-short", { qos: 1, retain: true, properties: { messageExpiryInterval: 60 } });
    await pub.publishAsync(`${topic}/retained-long`, "retained-long", { qos: 1, retain: true, properties: { messageExpiryInterval: 3600 } });
    const old = await connect(`${id}-v4pub`, 4);
    await old.publishAsync(`${topic}/plain`, "plain", { qos: 1 });
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 120_000 });
    const back = await handshake(t.mqttUrl, { protocolVersion: 5, clientId: id, ...login, ...session });
    if (!back.ok) throw new Error("refused");
    house.keep(back.client);
    const queued = inbox(back.client);
    // A new subscriber, for the retained messages.
    const late = await connect(`${id}-late`);
    const retained = inbox(late);
    await late.subscribeAsync(`${topic}/#`, { qos: 1 });
    await waitFor(() => queued.some((m) => m.text === "plain") && retained.some((m) => m.text === "retained-long"), "the queued and the retained messages");
    return { queued, retained };
  };

  it("[MQTT-3.3.2-5] a message whose expiry interval has passed is not delivered: neither from an offline session's queue nor as a retained message", async () => {
    const { queued, retained } = await queueWithExpiries("v5-expiry-drop", "expiry1");
    expect(queued.map((m) => m.text).sort()).toEqual(["long", "plain", "retained-long"]);
    expect(retained.map((m) => m.text)).toEqual(["retained-long"]);
  });

  it("[MQTT-3.3.2-6] a delivered message carries its remaining expiry interval: the received value minus the time it waited in the broker", async () => {
    const { queued, retained } = await queueWithExpiries("v5-expiry-left", "expiry2");
    const left = (list: typeof queued, text: string) => list.find((m) => m.text === text)?.properties?.messageExpiryInterval as number;
    // 3600 s asked, 120 s waited (the test's clock moved); one second of slack for the publishes themselves.
    expect(left(queued, "long")).toBeGreaterThanOrEqual(3479);
    expect(left(queued, "long")).toBeLessThanOrEqual(3480);
    expect(left(retained, "retained-long")).toBeGreaterThanOrEqual(3479);
    expect(left(retained, "retained-long")).toBeLessThanOrEqual(3480);
    // A message published without one (here by a 3.1.1 client) has none.
    expect(queued.find((m) => m.text === "plain")?.properties?.messageExpiryInterval).toBeUndefined();
  });

  it("[MQTT-3.3.2-12] topic aliases from a client are accepted up to the maximum in the CONNACK, and subscribers (3.1.1 too) get the full topic", async () => {
    const v5sub = await connect("alias-sub5");
    const v4sub = await connect("alias-sub4", 4);
    const got5 = inbox(v5sub);
    const got4 = inbox(v4sub);
    await v5sub.subscribeAsync("alias/#", { qos: 1 });
    await v4sub.subscribeAsync("alias/#", { qos: 1 });
    const h = await handshake(t.mqttUrl, { protocolVersion: 5, clientId: "alias-pub", ...login });
    if (!h.ok) throw new Error("refused");
    house.keep(h.client);
    const max = h.connack.properties?.topicAliasMaximum;
    expect(max).toBe(10);
    await h.client.publishAsync("alias/kitchen/temp", "20.5", { qos: 1, properties: { topicAlias: 1 } });
    await h.client.publishAsync("alias/hall/temp", "19.0", { qos: 1, properties: { topicAlias: max } });
    await h.client.publishAsync("", "20.6", { qos: 1, properties: { topicAlias: 1 } });
    await h.client.publishAsync("", "19.1", { qos: 1, properties: { topicAlias: max } });
    const want = [
      ["alias/kitchen/temp", "20.5"],
      ["alias/hall/temp", "19.0"],
      ["alias/kitchen/temp", "20.6"],
      ["alias/hall/temp", "19.1"],
    ];
    await waitFor(() => got5.length === 4 && got4.length === 4, "four messages each");
    expect(got5.map((m) => [m.topic, m.text])).toEqual(want);
    expect(got4.map((m) => [m.topic, m.text])).toEqual(want);
    // The alias stays on the publisher's connection: subscribers get none.
    expect(got5.every((m) => m.properties?.topicAlias === undefined)).toBe(true);
  });

  it("[MQTT-3.3.2-4] [MQTT-3.3.2-20] the payload format indicator and content type reach MQTT 5 subscribers unaltered (mosquitto_sub -V mqttv5)", async () => {
    const pub = await connect("format-pub");
    await pub.publishAsync("format/plug/state", '{"power":12}', {
      qos: 1,
      retain: true,
      properties: { payloadFormatIndicator: true, contentType: "application/json" },
    });
    const sub = await connect("format-sub");
    const got = inbox(sub);
    await sub.subscribeAsync("format/#", { qos: 1 });
    await waitFor(() => got.length === 1, "the message");
    expect(got[0]?.properties).toMatchObject({ payloadFormatIndicator: true, contentType: "application/json" });
    const printed = await mosquittoSub5(t.mqttPort, "format/#", "%F|%C|%p", { login });
    expect(printed.trim()).toBe('1|application/json|{"power":12}');
  });

  it("[MQTT-3.3.2-15] [MQTT-3.3.2-16] request/response: the response topic and correlation data reach the responder unaltered, and its reply finds the requester", async () => {
    const responder = await connect("responder");
    await responder.subscribeAsync("rpc/plug1/get", { qos: 1 });
    responder.on("message", (_topic, payload, packet) => {
      const { responseTopic, correlationData } = packet.properties ?? {};
      if (responseTopic) void responder.publishAsync(responseTopic, `state of ${payload.toString()}`, { qos: 1, properties: { correlationData } });
    });
    const requester = await connect("requester");
    const replies = inbox(requester);
    await requester.subscribeAsync("rpc/replies/requester", { qos: 1 });
    const correlation = Buffer.from([0x00, 0xff, 0x10, 0x7f]);
    await requester.publishAsync("rpc/plug1/get", "relay", { qos: 1, properties: { responseTopic: "rpc/replies/requester", correlationData: correlation } });
    await waitFor(() => replies.length === 1, "the reply");
    expect(replies[0]?.text).toBe("state of relay");
    expect(Buffer.compare(replies[0]?.properties?.correlationData as Buffer, correlation)).toBe(0);
  });

  it("[MQTT-3.3.2-17] [MQTT-3.3.2-18] user properties from mosquitto_pub -V mqttv5 reach MQTT 5 subscribers unaltered and in order; 3.1.1 subscribers get the message", async () => {
    const v5sub = await connect("props-sub5");
    const v4sub = await connect("props-sub4", 4);
    const got5 = inbox(v5sub);
    const got4 = inbox(v4sub);
    await v5sub.subscribeAsync("props/#", { qos: 1 });
    await v4sub.subscribeAsync("props/#", { qos: 1 });
    await mosquittoPub(t.mqttPort, "props/plug1/SENSOR", '{"Power":40}', {
      qos: 1,
      ...login,
      extra: ["-V", "mqttv5", "-D", "publish", "user-property", "zone", "kitchen", "-D", "publish", "user-property", "batch", "7"],
    });
    await waitFor(() => got5.length === 1 && got4.length === 1, "the message on both");
    expect(got5[0]?.properties?.userProperties).toEqual({ zone: "kitchen", batch: "7" });
    expect(Object.keys(got5[0]?.properties?.userProperties as object)).toEqual(["zone", "batch"]);
    expect(got4[0]?.text).toBe('{"Power":40}');
  });

  it("[MQTT-3.1.2-24] [MQTT-3.1.2-25] a message larger than the Maximum Packet Size a client declared is skipped for that client only, which stays connected; counted", async () => {
    const before = metricValue(await scrape(t.httpUrl), "hearth_mqtt_deliveries_too_large_total");
    const small = await connect("small-buffer", 5, { properties: { maximumPacketSize: 256 } });
    const roomy = await connect("roomy", 4);
    const gotSmall = inbox(small);
    const gotRoomy = inbox(roomy);
    await small.subscribeAsync("big/#", { qos: 1 });
    await roomy.subscribeAsync("big/#", { qos: 1 });
    const pub = await connect("big-pub");
    await pub.publishAsync("big/devices", "x".repeat(1000), { qos: 1 });
    // 200 payload bytes plus topic and header fit in 256; 250 do not.
    await pub.publishAsync("big/devices", "y".repeat(250), { qos: 0 });
    await pub.publishAsync("big/devices", "z".repeat(200), { qos: 1 });
    await waitFor(() => gotRoomy.length === 3 && gotSmall.length === 1, "the deliveries");
    expect(gotSmall.map((m) => m.text)).toEqual(["z".repeat(200)]);
    expect(small.connected).toBe(true);
    await waitFor(async () => metricValue(await scrape(t.httpUrl), "hearth_mqtt_deliveries_too_large_total") === before + 2, "two skipped deliveries counted");
  });

  it("[MQTT-3.4.2-1] a publish the ACL forbids, or to a reserved topic, gets PUBACK 0x87 (Not authorized) and reaches nobody; counted as for 3.1.1", async () => {
    const denied = async (reason: string) => metricValue(await scrape(t.httpUrl), "hearth_mqtt_publish_denied_total", { reason });
    const [acl, reserved] = [await denied("acl"), await denied("reserved")];
    const watcher = await connect("deny-watcher");
    const seen = inbox(watcher);
    await watcher.subscribeAsync("#", { qos: 1 });
    const plug = await connect("plug7", 5, { username: "tasmota", password: "plug-pass" });
    await expect(plug.publishAsync("tele/plug8/SENSOR", "{}", { qos: 1 })).rejects.toMatchObject({ code: 0x87 });
    await expect(plug.publishAsync("hearth/status", "fake", { qos: 1 })).rejects.toMatchObject({ code: 0x87 });
    // Still connected, and what it may publish gets through.
    await plug.publishAsync("tele/plug7/SENSOR", "mine", { qos: 1 });
    const old = await connect("plug9", 4, { username: "tasmota", password: "plug-pass" });
    await old.publishAsync("tele/plug8/SENSOR", "{}", { qos: 1 });
    await old.publishAsync("tele/plug9/SENSOR", "mine-too", { qos: 1 });
    await waitFor(() => seen.some((m) => m.text === "mine") && seen.some((m) => m.text === "mine-too"), "the allowed messages");
    expect(seen.filter((m) => m.topic === "tele/plug8/SENSOR" || m.text === "fake")).toEqual([]);
    await waitFor(async () => (await denied("acl")) === acl + 2 && (await denied("reserved")) === reserved + 1, "the refusals counted");
    expect(plug.connected && old.connected).toBe(true);
  });
});
