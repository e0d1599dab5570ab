import mqttPacket from "mqtt-packet";

/**
 * MQTT 5 rules Hearth applies around aedes 2, as plain functions (guard.ts wires them in).
 * Statement numbers are those of the OASIS MQTT Version 5.0 standard.
 */

/**
 * How many topic aliases a client may set up per connection, advertised in every MQTT 5
 * CONNACK. aedes accepts none by default, and a client that uses one anyway is disconnected
 * (0x94); Mosquitto 2 accepts 10 (`max_topic_alias`), so clients tuned for it work here too.
 * [MQTT-3.3.2-12]: the server accepts every alias from 1 to the maximum it returned.
 */
export const TOPIC_ALIAS_MAXIMUM = 10;

/** CONNACK return code 2 of MQTT 3.1.1; aedes sends an MQTT 5 client its 0x85 (Client Identifier not valid). */
export const IDENTIFIER_REJECTED = 2;

// C0 controls, DEL and C1 controls: [MQTT-1.5.4-2] forbids U+0000 in every string and §1.5.4 lets a
// receiver treat the other control characters as malformed.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

/**
 * Why Hearth refuses a client identifier, or undefined. Every id made of 1 to 23 letters and
 * digits stays allowed [MQTT-3.1.3-5], and so does almost everything else devices use
 * (`tasmota_5C1F2A`, `shellyplug-s-C8C9A3`, `mosq-…`); an id with a control character is
 * refused [MQTT-3.1.3-8], since it is written to logs and matched by `%c` ACL patterns.
 */
export function clientIdProblem(clientId: string): string | undefined {
  if (CONTROL.test(clientId)) return "it contains a control character";
  return undefined;
}

/** The parts of a PUBLISH that decide its size on the wire. */
interface OutgoingPublish {
  topic: string;
  payload: Buffer | string;
  qos: 0 | 1 | 2;
  retain?: boolean;
  properties?: Record<string, unknown> | undefined;
}

/**
 * Whether a PUBLISH to an MQTT 5 client would exceed the Maximum Packet Size it declared in its
 * CONNECT. Such a message is discarded for that client as if sent [MQTT-3.1.2-24], [MQTT-3.1.2-25];
 * aedes 2 records the limit but does not apply it. The size is the packet as mqtt-packet encodes
 * it for protocol 5, the way aedes writes it.
 */
export function exceedsMaximumPacketSize(packet: OutgoingPublish, maximumPacketSize: number | undefined): boolean {
  if (!maximumPacketSize) return false;
  const payloadBytes = typeof packet.payload === "string" ? Buffer.byteLength(packet.payload) : packet.payload.length;
  // Cheap way out for the usual case: a packet whose payload alone is over the limit is too large.
  if (payloadBytes > maximumPacketSize) return true;
  const encoded = mqttPacket.generate(
    {
      cmd: "publish",
      topic: packet.topic,
      payload: packet.payload,
      qos: packet.qos,
      retain: packet.retain ?? false,
      dup: false,
      messageId: packet.qos > 0 ? 1 : undefined,
      properties: packet.properties,
    },
    { protocolVersion: 5 },
  );
  return encoded.length > maximumPacketSize;
}
