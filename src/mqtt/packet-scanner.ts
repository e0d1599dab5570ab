import { isUtf8 } from "node:buffer";

/**
 * Reads an MQTT byte stream as it arrives, packet boundary by packet boundary, without holding
 * the packets: the fixed header (packet type, then the Remaining Length varint of MQTT 3.1.1
 * §2.2.3 / MQTT 5 §2.1.4) says how long each packet is, so a packet announcing more than the
 * limit is known before its body is read, and the bytes of its body are skipped over rather
 * than kept. Only the few bytes a check needs are looked at: the protocol level of the CONNECT,
 * the topic of a PUBLISH, the filters of a SUBSCRIBE or UNSUBSCRIBE.
 */
export type Violation = {
  reason: "too_large" | "invalid_topic" | "malformed";
  /** Where in the chunk just fed the offending packet starts (0 when it started in an earlier one). */
  at: number;
  /** Its sequence number on this connection: 1 is the CONNECT. */
  packet: number;
  why: string;
};

export interface ScanLimits {
  /** The largest first packet (the CONNECT, before the client has logged in), fixed header included. */
  connectBytes: number;
  /** The largest packet after it. */
  packetBytes: number;
}

const CONNECT = 1;
const PUBLISH = 3;
const SUBSCRIBE = 8;
const UNSUBSCRIBE = 10;
const NAMES = [
  "reserved",
  "CONNECT",
  "CONNACK",
  "PUBLISH",
  "PUBACK",
  "PUBREC",
  "PUBREL",
  "PUBCOMP",
  "SUBSCRIBE",
  "SUBACK",
  "UNSUBSCRIBE",
  "UNSUBACK",
  "PINGREQ",
  "PINGRESP",
  "DISCONNECT",
  "AUTH",
];

/** What a capture is collecting. */
const enum Want {
  None,
  /** The CONNECT's protocol name and level. */
  ConnectPrefix,
  /** A PUBLISH's two-byte topic length. */
  TopicLength,
  /** A PUBLISH's topic. */
  Topic,
  /** A whole SUBSCRIBE or UNSUBSCRIBE body. */
  Filters,
}

/** The protocol level from the first bytes of a CONNECT body ("MQTT" and 4 or 5; "MQIsdp" and 3), when they are there. */
function protocolLevel(body: Uint8Array): number | undefined {
  if (body.length < 3) return undefined;
  const nameLength = (body[0]! << 8) | body[1]!;
  return nameLength <= 6 && body.length > 2 + nameLength ? body[2 + nameLength] : undefined;
}

/**
 * [MQTT-1.5.3-1] a topic in ill-formed UTF-8 and [MQTT-1.5.3-2] one holding U+0000 are
 * protocol violations after which the server closes the connection; mqtt-packet would decode
 * the first into U+FFFD and pass both on. Read in place, byte by byte: this runs for every
 * PUBLISH, and a subarray, `indexOf` and `isUtf8` per topic cost more than the topic is long.
 * Only a topic with a byte of 0x80 or more (not plain ASCII) goes to `isUtf8`.
 */
function topicProblem(buf: Uint8Array, start = 0, end = buf.length): string | undefined {
  let high = 0;
  for (let k = start; k < end; k++) {
    const b = buf[k]!;
    if (b === 0) return "a topic holds the null character U+0000 [MQTT-1.5.3-2]";
    high |= b;
  }
  if (high >= 0x80 && !isUtf8(buf.subarray(start, end))) return "a topic is not well-formed UTF-8 [MQTT-1.5.3-1]";
  return undefined;
}

export class PacketScanner {
  /** The protocol level the client's CONNECT asked for (4 for 3.1.1, 5 for MQTT 5), once seen. */
  version: number | undefined;
  /** Packets begun on this connection. */
  packets = 0;
  private inHeader = false;
  private headerBytes = 0;
  private type = 0;
  private remaining = 0;
  private multiplier = 1;
  private left = 0;
  private start = 0;
  private want = Want.None;
  private capture: Buffer | undefined;
  private captured = 0;

  constructor(private readonly limits: ScanLimits) {}

  /** A packet has begun and not yet ended. */
  get inProgress(): boolean {
    return this.inHeader || this.left > 0;
  }

  /** Reads one chunk; the first violation in it, if any (the scanner is of no further use then). */
  feed(chunk: Buffer): Violation | undefined {
    const n = chunk.length;
    let i = 0;
    this.start = 0;
    while (i < n) {
      if (!this.inHeader && this.left === 0) {
        this.start = i;
        this.packets++;
        this.type = chunk[i]! >> 4;
        // The Remaining Length read in place; it is nearly always whole in this chunk.
        let remaining = 0;
        let multiplier = 1;
        let k = i + 1;
        let whole = false;
        while (k < n && k - i <= 4) {
          const b = chunk[k++]!;
          remaining += (b & 0x7f) * multiplier;
          multiplier *= 128;
          if (!(b & 0x80)) {
            whole = true;
            break;
          }
        }
        this.headerBytes = k - i;
        this.remaining = remaining;
        i = k;
        if (whole) {
          const v = this.headerDone(chunk, i);
          if (v) return v;
          continue;
        }
        // At most four bytes of Remaining Length (MQTT 3.1.1 §2.2.3, MQTT 5 §1.5.5).
        if (this.headerBytes === 5) return this.violation("malformed", "its Remaining Length runs past four bytes");
        // The chunk ends inside the fixed header: the rest comes byte by byte with the next one.
        this.inHeader = true;
        this.multiplier = multiplier;
        continue;
      }
      if (this.inHeader) {
        const b = chunk[i++]!;
        this.remaining += (b & 0x7f) * this.multiplier;
        this.multiplier *= 128;
        this.headerBytes++;
        if (b & 0x80) {
          // At most four bytes of Remaining Length (MQTT 3.1.1 §2.2.3, MQTT 5 §1.5.5).
          if (this.headerBytes === 5) return this.violation("malformed", "its Remaining Length runs past four bytes");
          continue;
        }
        this.inHeader = false;
        const v = this.headerDone(chunk, i);
        if (v) return v;
        continue;
      }
      if (this.want === Want.None) {
        const skip = Math.min(this.left, n - i);
        i += skip;
        this.left -= skip;
        continue;
      }
      const take = Math.min(this.left, n - i, this.capture!.length - this.captured);
      chunk.copy(this.capture!, this.captured, i, i + take);
      this.captured += take;
      this.left -= take;
      i += take;
      if (this.captured === this.capture!.length) {
        const v = this.captureDone();
        if (v) return v;
      }
    }
    return undefined;
  }

  private headerDone(chunk: Buffer, i: number): Violation | undefined {
    const size = this.headerBytes + this.remaining;
    const first = this.packets === 1;
    if (first && this.type === CONNECT) this.version = protocolLevel(chunk.subarray(i, i + 9));
    const limit = first ? this.limits.connectBytes : this.limits.packetBytes;
    if (size > limit)
      return this.violation(
        "too_large",
        `its ${NAMES[this.type]} announces ${size} bytes, over the limit of ${limit} ${first ? "for a first packet (mqtt.max_connect_bytes)" : "(mqtt.max_payload_bytes and room for its headers)"}`,
      );
    this.left = this.remaining;
    this.want = Want.None;
    if (this.left === 0) return undefined;
    if (first && this.type === CONNECT) return this.begin(Want.ConnectPrefix, Math.min(this.left, 9));
    if (this.type === PUBLISH) {
      // Fast path: the topic is whole in this chunk, as it nearly always is; nothing is copied.
      if (this.left >= 2 && i + 2 <= chunk.length) {
        const end = i + 2 + ((chunk[i]! << 8) | chunk[i + 1]!);
        if (end - i <= this.left && end <= chunk.length) {
          const why = topicProblem(chunk, i + 2, end);
          return why ? this.violation("invalid_topic", `its PUBLISH: ${why}`) : undefined;
        }
      }
      return this.begin(Want.TopicLength, Math.min(this.left, 2));
    }
    if (this.type === SUBSCRIBE || this.type === UNSUBSCRIBE) return this.begin(Want.Filters, this.left);
    return undefined;
  }

  private begin(want: Want, bytes: number): undefined {
    this.want = want;
    this.capture = Buffer.allocUnsafe(bytes);
    this.captured = 0;
    return undefined;
  }

  private captureDone(): Violation | undefined {
    const bytes = this.capture!;
    const want = this.want;
    this.want = Want.None;
    this.capture = undefined;
    if (want === Want.ConnectPrefix) {
      this.version = protocolLevel(bytes) ?? this.version;
    } else if (want === Want.TopicLength) {
      if (bytes.length === 2) {
        const length = bytes.readUInt16BE(0);
        if (length > 0 && length <= this.left) this.begin(Want.Topic, length);
      }
    } else if (want === Want.Topic) {
      const why = topicProblem(bytes);
      if (why) return this.violation("invalid_topic", `its PUBLISH: ${why}`);
    } else if (want === Want.Filters) {
      const why = this.filtersProblem(bytes);
      if (why) return this.violation("invalid_topic", `its ${NAMES[this.type]}: ${why}`);
    }
    return undefined;
  }

  /** Walks a SUBSCRIBE or UNSUBSCRIBE body (MQTT 3.1.1 §3.8.3/§3.10.3, MQTT 5 §3.8.2–3): packet id, v5 properties, then the filters. */
  private filtersProblem(body: Buffer): string | undefined {
    let p = 2;
    if (this.version === 5) {
      let length = 0;
      let multiplier = 1;
      for (let k = 0; k < 4 && p < body.length; k++) {
        const b = body[p++]!;
        length += (b & 0x7f) * multiplier;
        multiplier *= 128;
        if (!(b & 0x80)) break;
      }
      p += length;
    }
    while (p + 2 <= body.length) {
      const end = p + 2 + body.readUInt16BE(p);
      // A filter running past the packet is mqtt-packet's to refuse as malformed.
      if (end > body.length) return undefined;
      const why = topicProblem(body, p + 2, end);
      if (why) return why;
      p = this.type === SUBSCRIBE ? end + 1 : end;
    }
    return undefined;
  }

  private violation(reason: Violation["reason"], why: string): Violation {
    return { reason, at: this.start, packet: this.packets, why };
  }
}
