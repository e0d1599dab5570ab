import type { IClientOptions, IDisconnectPacket, MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { waitFor } from "../helpers/wait.js";
import { inbox } from "./v5.js";

/** A will on `status/<id>`, with the MQTT 5 Will Delay Interval given. */
const withWill = (id: string, delaySeconds: number, sessionExpiry: number): IClientOptions => ({
  protocolVersion: 5,
  clientId: id,
  clean: false,
  properties: { sessionExpiryInterval: sessionExpiry },
  will: { topic: `status/${id}`, payload: Buffer.from("offline"), qos: 1, retain: false, properties: { willDelayInterval: delaySeconds } },
});

/** The connection drops without a DISCONNECT, as when a plug loses its Wi-Fi. */
const dropConnection = (client: MqttClient) => client.stream.destroy();

/**
 * The DISCONNECT packet a client received from the broker by the time its connection closed, if
 * any. Read as it is parsed: mqtt.js may report the close before its "disconnect" event.
 */
const disconnectFromServer = (client: MqttClient) =>
  new Promise<IDisconnectPacket | undefined>((resolve) => {
    let got: IDisconnectPacket | undefined;
    client.on("packetreceive", (packet) => {
      if (packet.cmd === "disconnect") got = packet;
    });
    client.once("close", () => resolve(got));
  });

/** Waits until `ms` after `since`: a will must NOT come in that time, which no event can show. */
const until = (since: number, ms: number) => waitFor(() => Date.now() - since >= ms, `${ms} ms after the disconnect`);

describe("MQTT 5 will messages and DISCONNECT", () => {
  let t: TestHub;
  const clients: MqttClient[] = [];
  const v5 = async (opts: IClientOptions) => {
    const c = await connectMqtt(t.mqttUrl, opts);
    clients.push(c);
    return c;
  };
  const watch = async (id: string) => {
    const watcher = await v5({ protocolVersion: 5, clientId: `watch-${id}` });
    const got = inbox(watcher);
    await watcher.subscribeAsync("status/#", { qos: 1 });
    return got;
  };

  beforeAll(async () => {
    t = await startTestHub();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await t.stop();
  });

  it("[MQTT-3.1.2-8] [MQTT-3.1.3-9] the will waits for its Will Delay Interval after the connection drops, then is published", async () => {
    const got = await watch("delayed");
    const plug = await v5(withWill("plug-delayed", 1, 60));
    const dropped = Date.now();
    dropConnection(plug);
    await waitFor(() => got.find((m) => m.topic === "status/plug-delayed"), "the delayed will");
    expect(Date.now() - dropped).toBeGreaterThanOrEqual(950);
    expect(got.map((m) => m.text)).toEqual(["offline"]);
  });

  it("[MQTT-3.1.3-9] a new connection for the client id before the Will Delay Interval has passed: the will is not sent", async () => {
    const got = await watch("back");
    const plug = await v5(withWill("plug-back", 1, 60));
    const dropped = Date.now();
    dropConnection(plug);
    await v5({ ...withWill("plug-back", 1, 60) });
    await until(dropped, 1500);
    const marker = await v5({ protocolVersion: 5, clientId: "marker-back" });
    await marker.publishAsync("status/marker", "marker", { qos: 1 });
    await waitFor(() => got.find((m) => m.text === "marker"), "the marker");
    expect(got.map((m) => m.topic)).toEqual(["status/marker"]);
  });

  it("[MQTT-3.1.3-9] a new connection that takes over a connected client id and resumes its session: the old connection's will is not sent", async () => {
    const got = await watch("takeover");
    await v5(withWill("plug-takeover", 1, 60));
    await v5(withWill("plug-takeover", 1, 60));
    const takenOver = Date.now();
    await until(takenOver, 1500);
    const marker = await v5({ protocolVersion: 5, clientId: "marker-takeover" });
    await marker.publishAsync("status/marker", "marker", { qos: 1 });
    await waitFor(() => got.find((m) => m.text === "marker"), "the marker");
    expect(got.map((m) => m.topic)).toEqual(["status/marker"]);
  });

  it("[MQTT-3.1.2-4] [MQTT-3.1.2-8] a new connection with Clean Start that takes over a connected client id ends the old session: its will is published then, before its delay", async () => {
    const got = await watch("clean-takeover");
    await v5(withWill("plug-clean-takeover", 60, 300));
    const fresh = await v5({
      ...withWill("plug-clean-takeover", 0, 0),
      clean: true,
      will: { topic: "status/plug-clean-takeover", payload: Buffer.from("offline-again"), qos: 1, retain: false },
    });
    await waitFor(() => got.find((m) => m.topic === "status/plug-clean-takeover"), "the old connection's will");
    expect(got.map((m) => m.text)).toEqual(["offline"]);
    // The new connection's own will is intact: it goes when that connection drops.
    dropConnection(fresh);
    await waitFor(() => got.find((m) => m.text === "offline-again"), "the new connection's will");
    expect(got.map((m) => m.text)).toEqual(["offline", "offline-again"]);
  });

  it("[MQTT-3.1.2-4] [MQTT-3.1.2-8] a will waiting for its delay after the connection dropped is published when the client comes back with Clean Start", async () => {
    const got = await watch("clean-back");
    const plug = await v5(withWill("plug-clean-back", 60, 300));
    dropConnection(plug);
    await waitFor(() => !Object.hasOwn((t.hub.broker.instance as unknown as { clients: object }).clients, "plug-clean-back"), "the broker to see it go");
    await v5({ protocolVersion: 5, clientId: "plug-clean-back", clean: true });
    await waitFor(() => got.find((m) => m.topic === "status/plug-clean-back"), "the will at the clean start");
    expect(got.map((m) => m.text)).toEqual(["offline"]);
  });

  it("[MQTT-3.1.2-8] the will is published when the session ends, if that comes before the Will Delay Interval (whichever ends first)", async () => {
    const got = await watch("expiry");
    const plug = await v5(withWill("plug-expiry", 60, 1));
    const dropped = Date.now();
    dropConnection(plug);
    await waitFor(() => got.find((m) => m.topic === "status/plug-expiry"), "the will at session end");
    const waited = Date.now() - dropped;
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(waited).toBeLessThan(30_000);
  });

  it("[MQTT-3.1.3-10] the will's user properties reach subscribers in the order the client gave them", async () => {
    const got = await watch("props");
    // Not in alphabetical order, and one name twice: its values keep their order too.
    const userProperties = { zone: "garage", room: "workshop", via: ["wifi", "mesh"], area: "north" };
    const plug = await v5({
      ...withWill("plug-props", 0, 0),
      will: { topic: "status/plug-props", payload: Buffer.from("offline"), qos: 1, retain: false, properties: { userProperties } },
    });
    dropConnection(plug);
    const will = await waitFor(() => got.find((m) => m.topic === "status/plug-props"), "the will");
    const received = will.properties?.userProperties as Record<string, string | string[]>;
    expect(Object.entries(received)).toEqual(Object.entries(userProperties));
  });

  it("[MQTT-3.14.4-3] [MQTT-3.1.2-10] DISCONNECT 0x00 (Normal disconnection) discards the will; 0x04 (Disconnect with Will Message) publishes it", async () => {
    const got = await watch("codes");
    const normal = await v5({ ...withWill("plug-normal", 0, 0) });
    await normal.endAsync(false, { reasonCode: 0x00 });
    const withWillCode = await v5({ ...withWill("plug-with-will", 0, 0) });
    await withWillCode.endAsync(false, { reasonCode: 0x04 });
    await waitFor(() => got.find((m) => m.topic === "status/plug-with-will"), "the will sent on request");
    const marker = await v5({ protocolVersion: 5, clientId: "marker-codes" });
    await marker.publishAsync("status/marker", "marker", { qos: 1 });
    await waitFor(() => got.find((m) => m.text === "marker"), "the marker");
    expect(got.map((m) => m.topic)).toEqual(["status/plug-with-will", "status/marker"]);
  });

  it("[MQTT-3.1.4-3] a new connection with the client id of a connected one: the old MQTT 5 connection gets DISCONNECT 0x8E (Session taken over) and is closed; a 3.1.1 one is closed", async () => {
    const old5 = await v5({ protocolVersion: 5, clientId: "hass-taken" });
    const told = disconnectFromServer(old5);
    const closed5 = new Promise<void>((r) => old5.once("close", () => r()));
    await v5({ protocolVersion: 5, clientId: "hass-taken" });
    expect((await told)?.reasonCode).toBe(0x8e);
    await closed5;

    const old4 = await connectMqtt(t.mqttUrl, { protocolVersion: 4, clientId: "tasmota-taken" });
    clients.push(old4);
    const told4 = disconnectFromServer(old4);
    await v5({ protocolVersion: 4, clientId: "tasmota-taken" });
    expect(await told4).toBeUndefined();
  });
});

describe("MQTT 5 DISCONNECT when Hearth stops", () => {
  it("[MQTT-3.14.2-1] every MQTT 5 client gets DISCONNECT 0x8B (Server shutting down) when the hub stops; 3.1.1 clients are closed", async () => {
    const t = await startTestHub();
    const v5 = await connectMqtt(t.mqttUrl, { protocolVersion: 5, clientId: "hass-stop" });
    const v4 = await connectMqtt(t.mqttUrl, { protocolVersion: 4, clientId: "tasmota-stop" });
    const told5 = disconnectFromServer(v5);
    const told4 = disconnectFromServer(v4);
    await t.stop();
    expect((await told5)?.reasonCode).toBe(0x8b);
    expect(await told4).toBeUndefined();
    await Promise.all([v5.endAsync(true), v4.endAsync(true)]);
  });
});
