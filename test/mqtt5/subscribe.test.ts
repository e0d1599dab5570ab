import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestHub } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { metricValue, scrape } from "../helpers/metrics.js";
import { waitFor } from "../helpers/wait.js";
import { LOGIN, inbox, mosquittoSub5, startAclHub, subackCodes } from "./v5.js";

/** SUBSCRIBE options and SUBACK reason codes for MQTT 5 clients, with 3.1.1 clients beside them. */
describe("MQTT 5 SUBSCRIBE", () => {
  let t: TestHub;
  let house: Awaited<ReturnType<typeof startAclHub>>;
  const login = LOGIN;
  const connect = async (clientId: string, version: 4 | 5 = 5, extra: Record<string, unknown> = {}) => {
    const c = await connectMqtt(t.mqttUrl, { protocolVersion: version, clientId, ...login, ...extra });
    return house.keep(c);
  };
  /** Publishes a marker and waits until `got` holds it: everything published before it on that topic has arrived too. */
  const settle = async (pub: MqttClient, got: { text: string }[], topic: string) => {
    await pub.publishAsync(topic, "marker", { qos: 1 });
    await waitFor(() => got.some((m) => m.text === "marker"), `the marker on ${topic}`);
  };

  beforeAll(async () => {
    house = await startAclHub("subscribe");
    t = house.hub;
  });
  afterAll(() => house.stop());

  it("[MQTT-3.8.3-3] no local: a client's own messages are not sent back on a subscription with No Local, while others' are", async () => {
    const me = await connect("nl-me");
    const other = await connect("nl-other");
    const got = inbox(me);
    await me.subscribeAsync("nl/#", { qos: 1, nl: true });
    await me.publishAsync("nl/lamp", "mine", { qos: 1 });
    await other.publishAsync("nl/lamp", "theirs", { qos: 1 });
    await settle(other, got, "nl/lamp");
    expect(got.map((m) => m.text)).toEqual(["theirs", "marker"]);
    // Without No Local (and for a 3.1.1 client, which has no such option) a client gets its own.
    const old = await connect("nl-old", 4);
    const oldGot = inbox(old);
    await old.subscribeAsync("nl/#", { qos: 1 });
    await old.publishAsync("nl/lamp", "own", { qos: 1 });
    await waitFor(() => oldGot.some((m) => m.text === "own"), "the 3.1.1 client's own message");
  });

  it("[MQTT-3.3.1-12] [MQTT-3.3.1-13] retain as published: the RETAIN flag of a live message is kept with Retain As Published, cleared without (and for 3.1.1)", async () => {
    const keepFlag = await connect("rap-keep");
    const clearFlag = await connect("rap-clear");
    const old = await connect("rap-old", 4);
    const [kept, cleared, oldGot] = [inbox(keepFlag), inbox(clearFlag), inbox(old)];
    await keepFlag.subscribeAsync("rap/#", { qos: 1, rap: true });
    await clearFlag.subscribeAsync("rap/#", { qos: 1, rap: false });
    await old.subscribeAsync("rap/#", { qos: 1 });
    const pub = await connect("rap-pub");
    await pub.publishAsync("rap/lamp", "on", { qos: 1, retain: true });
    await waitFor(() => [kept, cleared, oldGot].every((g) => g.some((m) => m.text === "on")), "the live message on all three");
    expect(kept.find((m) => m.text === "on")?.retain).toBe(true);
    expect(cleared.find((m) => m.text === "on")?.retain).toBe(false);
    expect(oldGot.find((m) => m.text === "on")?.retain).toBe(false);
  });

  const retainedSetup = async (topic: string) => {
    const pub = await connect(`${topic}-pub`);
    await pub.publishAsync(`${topic}/state`, "retained", { qos: 1, retain: true });
    return pub;
  };
  const retainedCount = (got: { text: string; retain: boolean }[]) => got.filter((m) => m.text === "retained" && m.retain).length;

  it("[MQTT-3.3.1-9] retain handling 0: the retained messages are sent at every subscribe, a repeated one too (as for 3.1.1)", async () => {
    const pub = await retainedSetup("rh0");
    const c = await connect("rh0-sub");
    const got = inbox(c);
    await c.subscribeAsync("rh0/#", { qos: 1, rh: 0 });
    await c.subscribeAsync("rh0/#", { qos: 1, rh: 0 });
    await waitFor(() => retainedCount(got) === 2, "the retained message twice");
    const old = await connect("rh0-old", 4);
    const oldGot = inbox(old);
    await old.subscribeAsync("rh0/#", { qos: 1 });
    await waitFor(() => retainedCount(oldGot) === 1, "the retained message on the 3.1.1 client");
    await settle(pub, got, "rh0/state");
    expect(retainedCount(got)).toBe(2);
  });

  it("[MQTT-3.3.1-10] retain handling 1: the retained messages are sent only when the subscription is new", async () => {
    const pub = await retainedSetup("rh1");
    const c = await connect("rh1-sub");
    const got = inbox(c);
    await c.subscribeAsync("rh1/#", { qos: 1, rh: 1 });
    await waitFor(() => retainedCount(got) === 1, "the retained message");
    await c.subscribeAsync("rh1/#", { qos: 1, rh: 1 });
    await settle(pub, got, "rh1/state");
    expect(retainedCount(got)).toBe(1);
  });

  it("[MQTT-3.3.1-11] retain handling 2: no retained messages at subscribe, live ones still arrive", async () => {
    const pub = await retainedSetup("rh2");
    const c = await connect("rh2-sub");
    const got = inbox(c);
    await c.subscribeAsync("rh2/#", { qos: 1, rh: 2 });
    await settle(pub, got, "rh2/state");
    expect(got.map((m) => m.text)).toEqual(["marker"]);
  });

  it("[MQTT-3.3.4-3] subscription identifiers: each message carries the identifier of the subscription it matched, retained ones too (mosquitto_sub sees it)", async () => {
    const pub = await connect("si-pub");
    await pub.publishAsync("si/b/door", "closed", { qos: 1, retain: true });
    const c = await connect("si-sub");
    const got = inbox(c);
    await c.subscribeAsync("si/a/#", { qos: 1, properties: { subscriptionIdentifier: 42 } });
    await c.subscribeAsync("si/b/#", { qos: 1, properties: { subscriptionIdentifier: 7 } });
    await waitFor(() => got.some((m) => m.text === "closed"), "the retained message");
    await pub.publishAsync("si/a/lamp", "on", { qos: 1 });
    await pub.publishAsync("si/b/door", "open", { qos: 1 });
    await waitFor(() => got.length === 3, "three messages");
    expect(got.map((m) => [m.text, m.properties?.subscriptionIdentifier])).toEqual([
      ["closed", 7],
      ["on", 42],
      ["open", 7],
    ]);
    const printed = await mosquittoSub5(t.mqttPort, "si/b/#", "%S %p", { login, extra: ["-D", "subscribe", "subscription-identifier", "99"] });
    // The retained message at subscribe carries the new subscription's identifier.
    expect(printed.trim()).toBe("99 closed");
  });

  it("[MQTT-3.3.4-3] [MQTT-3.3.4-4] a message that matches several overlapping subscriptions with identifiers arrives once, carrying all their identifiers", async () => {
    const pub = await connect("si-overlap-pub");
    const c = await connect("si-overlap-sub");
    const got = inbox(c);
    await c.subscribeAsync("overlap/#", { qos: 1, properties: { subscriptionIdentifier: 3 } });
    await c.subscribeAsync("overlap/+/temperature", { qos: 1, properties: { subscriptionIdentifier: 11 } });
    await c.subscribeAsync("overlap/garage/temperature", { qos: 1 });
    await pub.publishAsync("overlap/garage/temperature", "21.5", { qos: 1 });
    await pub.publishAsync("overlap/garage/humidity", "40", { qos: 1 });
    await settle(pub, got, "overlap/marker");
    const ids = (text: string) => got.filter((m) => m.text === text).map((m) => m.properties?.subscriptionIdentifier);
    // mqtt.js gives a property that comes several times as an array.
    expect(ids("21.5")).toHaveLength(1);
    expect([ids("21.5")[0]].flat().sort((a, b) => Number(a) - Number(b))).toEqual([3, 11]);
    expect(ids("40")).toEqual([3]);
    expect(ids("marker")).toEqual([3]);
    await c.unsubscribeAsync("overlap/+/temperature");
    await pub.publishAsync("overlap/garage/temperature", "22", { qos: 1 });
    await waitFor(() => got.some((m) => m.text === "22"), "the message after the UNSUBSCRIBE");
    expect(ids("22")).toEqual([3]);
  });

  it("[MQTT-3.9.3-1] [MQTT-3.9.3-2] the SUBACK has one reason code per filter, in order: 0x87 (Not authorized) for what the ACL or the reserved topics refuse, 0x80 for a 3.1.1 client; counted", async () => {
    const denied = async (reason: string) => metricValue(await scrape(t.httpUrl), "hearth_mqtt_subscribe_denied_total", { reason });
    const [acl, reserved] = [await denied("acl"), await denied("reserved")];
    const plug = await connect("plug1", 5, { username: "tasmota", password: "plug-pass" });
    expect(await subackCodes(plug, ["cmnd/plug1/#", "cmnd/plug2/#", "$hearth/dropped"], { qos: 1 })).toEqual([1, 0x87, 0x87]);
    const old = await connect("plug2", 4, { username: "tasmota", password: "plug-pass" });
    expect(await subackCodes(old, ["cmnd/plug1/#", "cmnd/plug2/#"], { qos: 1 })).toEqual([0x80, 1]);
    await waitFor(async () => (await denied("acl")) === acl + 2 && (await denied("reserved")) === reserved + 1, "the refusals counted");
    // The granted subscription works, the refused one receives nothing.
    const got = inbox(plug);
    const home = await connect("cmd-sender");
    await home.publishAsync("cmnd/plug2/POWER", "OFF", { qos: 1 });
    await settle(home, got, "cmnd/plug1/POWER");
    expect(got.map((m) => m.topic)).toEqual(["cmnd/plug1/POWER"]);
  });

  it("[MQTT-3.9.3-2] a $share/… filter is refused with 0x9E (Shared Subscriptions not supported), 0x80 for 3.1.1, never subscribed as a literal topic", async () => {
    const c = await connect("share-v5");
    const got = inbox(c);
    expect(await subackCodes(c, ["$share/hubs/share/temp", "share/humidity"], { qos: 1 })).toEqual([0x9e, 1]);
    const old = await connect("share-v4", 4);
    expect(await subackCodes(old, ["$share/hubs/share/temp"], { qos: 1 })).toEqual([0x80]);
    const pub = await connect("share-pub");
    await pub.publishAsync("share/temp", "21", { qos: 1 });
    await settle(pub, got, "share/humidity");
    expect(got.map((m) => m.topic)).toEqual(["share/humidity"]);
  });
});
