import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { waitFor } from "../helpers/wait.js";
import { PacketClient } from "./packet-client.js";

/** Receive Maximum (MQTT 5 §3.3.4): the broker's QoS 1/2 PUBLISH in flight towards a client. */
describe("MQTT 5 Receive Maximum towards a client", () => {
  let t: TestHub;
  let port: number;
  let plug: MqttClient;
  const raw: PacketClient[] = [];
  const connect = async (clientId: string, extra: Partial<Parameters<typeof PacketClient.connect>[1]> = {}) => {
    const c = await PacketClient.connect(port, { clientId, clean: true, ...extra });
    raw.push(c);
    return c;
  };
  const texts = (c: PacketClient) => c.publishes().map((p) => p.payload.toString());
  /** A 3.1.1 plug publishes, each acknowledged by the broker once it has handed the message to every subscriber. */
  const publish = async (topic: string, payloads: string[], qos: 1 | 2 = 1) => {
    for (const p of payloads) await plug.publishAsync(topic, p, { qos });
  };
  const puback = (c: PacketClient, n: number) => c.send({ cmd: "puback", messageId: c.publishes()[n]!.messageId!, reasonCode: 0 });

  beforeAll(async () => {
    t = await startTestHub();
    port = Number(new URL(t.mqttUrl).port);
    plug = await connectMqtt(t.mqttUrl, { protocolVersion: 4, clientId: "tasmota-flow" });
  });
  afterAll(async () => {
    for (const c of raw) c.close();
    await plug.endAsync(true);
    await t.stop();
  });

  it("[MQTT-3.3.4-9] no more unacknowledged QoS 1 PUBLISH than the client's Receive Maximum; the others wait, in order, and go out as PUBACKs come back", async () => {
    const slow = await connect("hass-slow", { properties: { receiveMaximum: 2 } });
    const unlimited = await connect("hass-unlimited");
    await slow.subscribe("flow/one/#", 1);
    await unlimited.subscribe("flow/one/#", 1);
    await publish("flow/one/power", ["m1", "m2", "m3", "m4", "m5"]);
    await slow.settle();
    await unlimited.settle();
    expect(texts(slow)).toEqual(["m1", "m2"]);
    // Without a Receive Maximum of its own a client gets all of them before acknowledging any.
    expect(texts(unlimited)).toEqual(["m1", "m2", "m3", "m4", "m5"]);

    puback(slow, 0);
    await waitFor(() => slow.publishes().length === 3, "the third message after the first PUBACK");
    await slow.settle();
    expect(texts(slow)).toEqual(["m1", "m2", "m3"]);

    puback(slow, 1);
    puback(slow, 2);
    await waitFor(() => slow.publishes().length === 5, "the last two after two more PUBACKs");
    await slow.settle();
    expect(texts(slow)).toEqual(["m1", "m2", "m3", "m4", "m5"]);
    expect(slow.publishes().every((p) => p.qos === 1 && !p.dup)).toBe(true);
    expect(new Set(slow.publishes().map((p) => p.messageId)).size).toBe(5);
  });

  it("[MQTT-3.3.4-9] a QoS 2 PUBLISH counts until its PUBCOMP, not its PUBREC", async () => {
    const slow = await connect("hass-slow-qos2", { properties: { receiveMaximum: 1 } });
    await slow.subscribe("flow/two/#", 2);
    await publish("flow/two/power", ["q1", "q2"], 2);
    await slow.settle();
    expect(texts(slow)).toEqual(["q1"]);
    const first = slow.publishes()[0]!.messageId!;
    slow.send({ cmd: "pubrec", messageId: first, reasonCode: 0 });
    await waitFor(() => slow.packets.find((p) => p.cmd === "pubrel" && p.messageId === first), "the PUBREL");
    await slow.settle();
    expect(texts(slow)).toEqual(["q1"]);
    slow.send({ cmd: "pubcomp", messageId: first, reasonCode: 0 });
    await waitFor(() => slow.publishes().length === 2, "the second message after the PUBCOMP");
    expect(texts(slow)).toEqual(["q1", "q2"]);
  });

  it("[MQTT-3.3.4-9] messages queued for an offline session go out within the Receive Maximum when it comes back, in order", async () => {
    const session = { clean: false, properties: { sessionExpiryInterval: 300, receiveMaximum: 2 } };
    const first = await connect("hass-offline", session);
    await first.subscribe("flow/queued/#", 1);
    first.close();
    await waitFor(() => first.closed, "the first connection to close");
    await waitFor(() => !Object.hasOwn((t.hub.broker.instance as unknown as { clients: object }).clients, "hass-offline"), "the broker to see it go");
    await publish("flow/queued/power", ["o1", "o2", "o3", "o4"]);
    const back = await connect("hass-offline", session);
    await waitFor(() => back.publishes().length === 2, "two queued messages");
    await back.settle();
    expect(texts(back)).toEqual(["o1", "o2"]);
    puback(back, 0);
    puback(back, 1);
    await waitFor(() => back.publishes().length === 4, "the other two after the PUBACKs");
    await back.settle();
    expect(texts(back)).toEqual(["o1", "o2", "o3", "o4"]);
  });
});
