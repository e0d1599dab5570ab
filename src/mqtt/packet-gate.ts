import { Duplex } from "node:stream";
import { PacketScanner, type ScanLimits, type Violation } from "./packet-scanner.js";

/**
 * Sits between a client's connection and aedes: bytes pass through as they arrive, read by a
 * PacketScanner on the way. aedes (through mqtt-packet) keeps a packet's bytes until the packet
 * is whole, so a CONNECT announcing 268 MB, or a logged-in client's oversized PUBLISH, would
 * be held in memory before any check could see it; here it is refused as soon as its fixed
 * header arrives, and a packet that does not finish in time closes the connection.
 */
export interface GateLimits extends ScanLimits {
  /** How long one packet may take to arrive, from its first byte to its last. */
  packetTimeoutMs: number;
}

/** Room for the fixed header, topic and properties around the largest payload allowed. */
export const HEADER_ROOM = 65_536;

/** The gate's limits for a broker configuration; one object, shared by every open connection, so a reload applies at once. */
export function gateLimits(config: { max_connect_bytes: number; max_payload_bytes: number; packet_timeout: number }): GateLimits {
  return { connectBytes: config.max_connect_bytes, packetBytes: config.max_payload_bytes + HEADER_ROOM, packetTimeoutMs: config.packet_timeout };
}

export type GateClosure = "connect_too_large" | "too_large" | "slow_packet" | "invalid_topic" | "malformed";

export interface GateReporter {
  gateClosed(reason: GateClosure, remote: string | undefined, why: string): void;
}

/** MQTT 5 reason codes (§2.4) the gate sends: 0x81 Malformed Packet, 0x95 Packet too large. */
const MALFORMED = 0x81;
const TOO_LARGE = 0x95;

/** An MQTT 5 CONNACK refusing the connection (§3.2): no session present, the reason, no properties. */
export const connackV5 = (reason: number) => Buffer.from([0x20, 0x03, 0x00, reason, 0x00]);
/** An MQTT 5 DISCONNECT from the server (§3.14): the reason, no properties. */
const disconnectV5 = (reason: number) => Buffer.from([0xe0, 0x02, reason, 0x00]);

/**
 * How long a refused connection keeps being read (and what arrives thrown away) after the
 * gate's last packet, so the client reads that packet: closing a socket with unread data in it
 * makes the kernel send a reset, and the client may lose what was sent just before.
 */
const LINGER_MS = 1000;
/** Enough for what one socket read returns, so a busy hub pauses a fast client once per read, not per packet. */
const BUFFER_BYTES = 65_536;

export class PacketGate extends Duplex {
  private readonly scanner: PacketScanner;
  private paused = false;
  private closing = false;
  /** The packet the deadline is running for, and since when. */
  private timedPacket = 0;
  private since = 0;
  private timer: NodeJS.Timeout | undefined;
  private linger: NodeJS.Timeout | undefined;
  private readonly onData = (chunk: Buffer) => this.received(chunk);

  constructor(
    private readonly inner: Duplex,
    private readonly limits: GateLimits,
    private readonly reporter: GateReporter,
    /** The client's address, for the log; aedes' guard reads it from here too. */
    readonly remoteAddress: string | undefined,
  ) {
    super({ allowHalfOpen: false, readableHighWaterMark: BUFFER_BYTES, decodeStrings: false });
    this.scanner = new PacketScanner(limits);
    inner.on("data", this.onData);
    inner.once("end", () => this.push(null));
    inner.once("close", () => {
      this.stopTimers();
      this.destroy();
    });
    inner.on("error", (err) => this.destroy(err));
  }

  /** The protocol level of the client's CONNECT, once seen. */
  get version(): number | undefined {
    return this.scanner.version;
  }

  /**
   * Sends one last packet and closes: aedes' own writes from now on are dropped, and the
   * connection is read (and the data thrown away) a moment longer so the packet reaches the
   * client. For a refusal made outside the gate; aedes closes its side itself.
   */
  finishWith(packet: Buffer): void {
    if (this.closing) return;
    this.closing = true;
    this.stopTimers();
    this.inner.off("data", this.onData);
    this.inner.on("data", () => undefined);
    this.inner.resume();
    this.inner.end(packet);
    this.linger = setTimeout(() => this.inner.destroy(), LINGER_MS);
    this.linger.unref();
  }

  private received(chunk: Buffer): void {
    const violation = this.scanner.feed(chunk);
    if (violation) {
      if (violation.at > 0) this.push(chunk.subarray(0, violation.at));
      return this.refuse(violation);
    }
    if (!this.push(chunk)) {
      this.paused = true;
      this.inner.pause();
    }
    if (!this.scanner.inProgress) return;
    if (this.scanner.packets !== this.timedPacket) {
      this.timedPacket = this.scanner.packets;
      this.since = Date.now();
    }
    this.armDeadline(this.limits.packetTimeoutMs);
  }

  private armDeadline(ms: number): void {
    if (this.timer || this.closing) return;
    this.timer = setTimeout(() => this.checkDeadline(), ms);
    this.timer.unref();
  }

  /** A packet's time runs only while the gate is reading: a busy hub that stopped reading does not make its client slow. */
  private checkDeadline(): void {
    this.timer = undefined;
    if (this.closing || this.paused || !this.scanner.inProgress) return;
    const elapsed = Date.now() - this.since;
    if (elapsed < this.limits.packetTimeoutMs) return this.armDeadline(this.limits.packetTimeoutMs - elapsed);
    this.close(
      "slow_packet",
      `packet ${this.scanner.packets} did not arrive whole within ${this.limits.packetTimeoutMs / 1000} s (mqtt.packet_timeout)`,
      undefined,
    );
  }

  private refuse(v: Violation): void {
    const before = v.packet === 1;
    const reason = v.reason === "too_large" ? (before ? "connect_too_large" : "too_large") : v.reason;
    const code = v.reason === "too_large" ? TOO_LARGE : MALFORMED;
    // MQTT 5 lets a server say why: in the CONNACK while the client is logging in [MQTT-3.2.2-7], a DISCONNECT after [MQTT-3.14.2-1]. MQTT 3.1.1 has no code for either: the connection is closed [MQTT-4.8.0-1].
    const last = this.scanner.version === 5 ? (before ? connackV5(code) : disconnectV5(code)) : undefined;
    this.close(reason, `packet ${v.packet} was refused: ${v.why}`, last);
  }

  private close(reason: GateClosure, why: string, last: Buffer | undefined): void {
    if (this.closing) return;
    this.reporter.gateClosed(reason, this.remoteAddress, why);
    if (last) this.finishWith(last);
    else {
      this.closing = true;
      this.stopTimers();
      this.inner.destroy();
    }
    // aedes learns the connection is gone and forgets the client (its will is published as for any lost connection).
    this.destroy();
  }

  private stopTimers(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  override _read(): void {
    if (!this.paused) return;
    this.paused = false;
    this.inner.resume();
    if (this.scanner.inProgress) {
      this.since = Date.now();
      this.armDeadline(this.limits.packetTimeoutMs);
    }
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    if (this.closing || this.inner.write(chunk)) return done();
    this.inner.once("drain", () => done());
  }

  override _writev(chunks: { chunk: Buffer }[], done: (err?: Error | null) => void): void {
    if (this.closing) return done();
    this.inner.cork();
    let ok = true;
    for (const { chunk } of chunks) ok = this.inner.write(chunk);
    this.inner.uncork();
    if (ok) return done();
    this.inner.once("drain", () => done());
  }

  override _final(done: (err?: Error | null) => void): void {
    if (!this.closing) this.inner.end();
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.stopTimers();
    // A connection finishing with a last packet closes itself once the client has it.
    if (!this.closing) this.inner.destroy();
    else this.inner.once("close", () => clearTimeout(this.linger));
    done(err);
  }
}
