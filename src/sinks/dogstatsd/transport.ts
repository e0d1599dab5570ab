import dgram from "node:dgram";
import net from "node:net";

/** Where DogStatsD payloads go: the agent's UDP port or its Unix stream socket. */
export interface Transport {
  /** The largest payload the agent takes in one datagram or frame. */
  readonly maxPayload: number;
  /** The largest single line that can be sent at all. */
  readonly maxLine: number;
  readonly address: string;
  /** Sends every payload in order; rejects when the agent cannot be reached. */
  send(payloads: readonly Buffer[]): Promise<void>;
  close(): void;
}

/** Two turns of the event loop: long enough for a loopback "port unreachable" to reach the socket. */
const settle = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

/**
 * UDP, datagrams of at most 1432 bytes so a 1500-byte MTU never fragments them (datadog-go
 * `OptimalUDPPayloadSize`). The socket is connected, so an agent that is not listening on this
 * machine shows up as ECONNREFUSED (an ICMP port-unreachable), which makes the batch count as
 * failed and be retried. An agent on another machine gives no such signal: UDP cannot confirm it.
 */
export class UdpTransport implements Transport {
  readonly maxPayload = 1432;
  /** 65535 minus the IP and UDP headers. */
  readonly maxLine = 65_507;
  readonly address: string;
  private socket: dgram.Socket | undefined;
  private connecting: Promise<dgram.Socket> | undefined;
  private lastError: Error | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    this.address = `udp://${host}:${port}`;
  }

  private connect(): Promise<dgram.Socket> {
    if (this.socket) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<dgram.Socket>((resolve, reject) => {
      const socket = dgram.createSocket(net.isIPv6(this.host) ? "udp6" : "udp4");
      socket.on("error", (err) => {
        this.lastError = err;
      });
      socket.connect(this.port, this.host, () => {
        this.socket = socket;
        resolve(socket);
      });
      socket.once("error", (err) => {
        if (!this.socket) {
          socket.close();
          reject(err);
        }
      });
    }).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  async send(payloads: readonly Buffer[]): Promise<void> {
    const socket = await this.connect();
    this.lastError = undefined;
    for (const p of payloads) {
      await new Promise<void>((resolve, reject) => socket.send(p, (err) => (err ? reject(err) : resolve())));
    }
    await settle();
    // Set by the socket's error listener during the awaits, which TypeScript's narrowing cannot see.
    const failure = this.lastError as Error | undefined;
    if (failure) throw failure;
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
  }
}

/**
 * The agent's `dogstatsd_stream_socket`: a Unix stream socket where each payload is framed by its
 * length as a 4-byte little-endian integer (datadog-agent comp/dogstatsd/listeners/uds_common.go).
 * Node's dgram has no Unix datagram sockets, so the agent's default `dogstatsd_socket` (a
 * datagram socket) cannot be used; connecting to it fails with EPROTOTYPE, reported as such.
 * A frame above the agent's 8192-byte buffer makes it drop the connection, hence the limit.
 */
export class UnixStreamTransport implements Transport {
  readonly maxPayload = 8192;
  readonly maxLine = 8192;
  readonly address: string;
  private socket: net.Socket | undefined;

  constructor(private readonly path: string) {
    this.address = `unix://${path}`;
  }

  private connect(): Promise<net.Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(this.path);
      const onError = (err: NodeJS.ErrnoException) => {
        socket.destroy();
        reject(
          err.code === "EPROTOTYPE"
            ? new Error(
                `${this.path} is a datagram socket (the agent's dogstatsd_socket); set dogstatsd_stream_socket in datadog.yaml and point dogstatsd.socket at it, or use UDP`,
              )
            : err,
        );
      };
      socket.once("error", onError);
      socket.once("connect", () => {
        socket.off("error", onError);
        // A broken connection is noticed by the next write; this listener only keeps the error from being unhandled.
        socket.on("error", () => socket.destroy());
        this.socket = socket;
        resolve(socket);
      });
    });
  }

  async send(payloads: readonly Buffer[]): Promise<void> {
    const socket = await this.connect();
    const frames: Buffer[] = [];
    for (const p of payloads) {
      const length = Buffer.alloc(4);
      length.writeUInt32LE(p.length);
      frames.push(length, p);
    }
    await new Promise<void>((resolve, reject) => {
      socket.write(Buffer.concat(frames), (err) => {
        if (err) {
          socket.destroy();
          reject(err);
        } else resolve();
      });
    });
  }

  close(): void {
    this.socket?.end();
    this.socket = undefined;
  }
}
