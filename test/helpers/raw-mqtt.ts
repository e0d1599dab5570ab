import fs from "node:fs";
import net from "node:net";
import { waitFor } from "./wait.js";

/**
 * MQTT packets written byte by byte (MQTT 3.1.1 §3, MQTT 5 §3), for what a library would
 * refuse to send: a fixed header announcing 268 MB, a topic that is not UTF-8, half a packet.
 */
export function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

const str = (s: string | Buffer) => {
  const b = typeof s === "string" ? Buffer.from(s) : s;
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
};

const packet = (byte1: number, body: Buffer) => Buffer.concat([Buffer.from([byte1]), remainingLength(body.length), body]);

export interface ConnectOptions {
  version?: 4 | 5;
  clientId?: string;
  clean?: boolean;
  username?: string;
  password?: string;
  keepalive?: number;
}

/** The variable header and payload of a CONNECT. */
export function connectBody(o: ConnectOptions = {}): Buffer {
  const version = o.version ?? 4;
  let flags = o.clean === false ? 0 : 0x02;
  if (o.username !== undefined) flags |= 0x80;
  if (o.password !== undefined) flags |= 0x40;
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(o.keepalive ?? 60);
  return Buffer.concat([
    str("MQTT"),
    Buffer.from([version, flags]),
    keepalive,
    version === 5 ? Buffer.from([0]) : Buffer.alloc(0),
    str(o.clientId ?? "raw"),
    o.username !== undefined ? str(o.username) : Buffer.alloc(0),
    o.password !== undefined ? str(o.password) : Buffer.alloc(0),
  ]);
}

export const connectPacket = (o: ConnectOptions = {}) => packet(0x10, connectBody(o));

/** A CONNECT's fixed header announcing `announced` bytes, followed by the start of a real CONNECT body. */
export const connectHeader = (announced: number, version: 4 | 5 = 4) =>
  Buffer.concat([Buffer.from([0x10]), remainingLength(announced), connectBody({ version })]);

export function publishPacket(topic: string | Buffer, payload: Buffer | string, version: 4 | 5 = 4): Buffer {
  return packet(0x30, Buffer.concat([str(topic), version === 5 ? Buffer.from([0]) : Buffer.alloc(0), Buffer.from(payload)]));
}

export function subscribePacket(filter: string | Buffer, version: 4 | 5 = 4, id = 1): Buffer {
  const pid = Buffer.alloc(2);
  pid.writeUInt16BE(id);
  return packet(0x82, Buffer.concat([pid, version === 5 ? Buffer.from([0]) : Buffer.alloc(0), str(filter), Buffer.from([0])]));
}

/** A plain TCP connection to the broker that keeps every byte it receives. */
export class RawClient {
  readonly socket: net.Socket;
  received = Buffer.alloc(0);
  closed = false;
  readonly connected: Promise<void>;

  constructor(port: number) {
    this.socket = net.connect(port, "127.0.0.1");
    this.connected = new Promise((resolve, reject) => {
      this.socket.once("connect", resolve);
      this.socket.once("error", reject);
    });
    this.socket.on("data", (d: Buffer) => (this.received = Buffer.concat([this.received, d])));
    this.socket.on("error", () => undefined);
    this.socket.on("close", () => (this.closed = true));
  }

  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed || !this.socket.write(bytes)) {
        if (this.closed) return resolve();
        const done = () => {
          this.socket.off("drain", done);
          this.socket.off("close", done);
          resolve();
        };
        this.socket.once("drain", done);
        this.socket.once("close", done);
      } else resolve();
    });
  }

  /** Waits for the broker to have sent at least `n` bytes. */
  async bytes(n: number, what: string): Promise<Buffer> {
    await waitFor(() => this.received.length >= n, what, 10_000);
    return this.received;
  }

  waitClosed(what: string, timeoutMs = 10_000): Promise<boolean> {
    return waitFor(() => this.closed, what, timeoutMs);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A process's resident memory in bytes, from /proc (VmRSS). */
export function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}
