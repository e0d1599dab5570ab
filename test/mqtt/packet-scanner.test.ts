import mqttPacket from "mqtt-packet";
import { describe, expect, it } from "vitest";
import { PacketScanner } from "../../src/mqtt/packet-scanner.js";

/**
 * The gate reads the fixed headers of whatever the socket hands it, and a socket read may end
 * anywhere: inside a Remaining Length, a topic length, a topic. Each stream here is fed cut at
 * every byte offset, so the in-place fast path and the byte-by-byte path across chunks must
 * agree on every packet.
 */
const limits = { connectBytes: 1024, packetBytes: 100_000 };
const packet = (p: object, protocolVersion: 4 | 5 = 4) => mqttPacket.generate(p as mqttPacket.Packet, { protocolVersion });
const connect = (protocolVersion: 4 | 5) =>
  packet({ cmd: "connect", protocolId: "MQTT", protocolVersion, clean: true, keepalive: 30, clientId: "plug" }, protocolVersion);
const publish = (topic: Buffer | string, bytes: number) =>
  packet({ cmd: "publish", topic, payload: Buffer.alloc(bytes, 0x61), qos: 0, retain: false, dup: false });

/** Feeds `stream` in two chunks cut at `at`; the violation, if any, and the scanner. */
function feedCut(stream: Buffer, at: number) {
  const scanner = new PacketScanner(limits);
  const violation = scanner.feed(stream.subarray(0, at)) ?? scanner.feed(stream.subarray(at));
  return { violation, scanner };
}

describe("the packet scanner, whatever a socket read holds", () => {
  it("counts every packet of a stream cut at any byte, and ends between packets", () => {
    // Remaining Lengths of one, two and three bytes (MQTT 3.1.1 §2.2.3).
    const stream = Buffer.concat([
      connect(4),
      publish("tele/plug-00001/SENSOR", 10),
      publish("tele/kitchen_plug/SENSOR", 300),
      publish("a/b", 20_000),
      packet({ cmd: "pingreq" }),
    ]);
    const wrong: number[] = [];
    for (let at = 0; at <= stream.length; at++) {
      const { violation, scanner } = feedCut(stream, at);
      if (violation || scanner.packets !== 5 || scanner.inProgress || scanner.version !== 4) wrong.push(at);
    }
    expect(wrong).toEqual([]);
  });

  it("reads the protocol level of an MQTT 5 CONNECT cut at any byte", () => {
    const stream = Buffer.concat([connect(5), packet({ cmd: "pingreq" })]);
    for (let at = 0; at <= stream.length; at++) expect(feedCut(stream, at).scanner.version, `cut at ${at}`).toBe(5);
  });

  it.each([
    ["holding U+0000 [MQTT-1.5.3-2]", Buffer.from("tele/a\u0000b/SENSOR"), "null character"],
    ["in ill-formed UTF-8 [MQTT-1.5.3-1]", Buffer.from([0x74, 0x2f, 0xc3, 0x28, 0x2f, 0x78]), "not well-formed UTF-8"],
  ])("refuses a PUBLISH whose topic is %s, wherever the read ends", (_name, topic, why) => {
    const stream = Buffer.concat([connect(4), publish("tele/ok/SENSOR", 5), publish(topic, 5)]);
    for (let at = 0; at <= stream.length; at++) {
      const { violation } = feedCut(stream, at);
      expect(violation?.reason, `cut at ${at}`).toBe("invalid_topic");
      expect(violation?.packet).toBe(3);
      expect(violation?.why).toContain(why);
    }
  });

  it("lets a topic in well-formed UTF-8 beyond ASCII through", () => {
    const stream = Buffer.concat([connect(4), publish("maison/salle_à_manger/°C", 5)]);
    for (let at = 0; at <= stream.length; at++) expect(feedCut(stream, at).violation, `cut at ${at}`).toBeUndefined();
  });

  it("refuses a packet over the limit at its fixed header, before its body, and says where it starts", () => {
    const head = Buffer.concat([connect(4), publish("a/b", 3)]);
    const big = publish("a/b", 200_000).subarray(0, 4);
    const scanner = new PacketScanner(limits);
    const violation = scanner.feed(Buffer.concat([head, big]));
    expect(violation).toMatchObject({ reason: "too_large", packet: 3, at: head.length });
  });

  it("refuses a Remaining Length longer than four bytes as malformed, cut at any byte", () => {
    const stream = Buffer.concat([connect(4), Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])]);
    for (let at = 0; at <= stream.length; at++) expect(feedCut(stream, at).violation?.reason, `cut at ${at}`).toBe("malformed");
  });
});
