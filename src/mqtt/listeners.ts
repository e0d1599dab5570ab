import fs from "node:fs";
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { HearthError } from "../kit/errors.js";
import type { Logger } from "../kit/log.js";
import type { BrokerGuard } from "./guard.js";
import { listenOn, stopListening } from "./listen.js";
import { HEADER_ROOM, PacketGate, gateLimits, type GateLimits } from "./packet-gate.js";
import type { MqttConfig, TlsListenerConfig, WebSocketListenerConfig } from "./schema.js";

type ConnectionHandler = (stream: Duplex, req?: IncomingMessage) => void;

interface Open {
  /** What the listener was opened with; a change means closing it and opening it again. */
  signature: string;
  server: net.Server;
  port: number;
  /** Closes anything besides the server (the WebSocket upgrade handler). */
  dispose?: () => void;
}

export interface ListenerPorts {
  mqtt?: number;
  mqtts?: number;
  ws?: number;
}

/** The subprotocol names MQTT clients offer over WebSocket [MQTT-6.0.0-3]; "mqttv3.1" is what MQTT 3.1 clients sent. */
const WS_SUBPROTOCOLS = ["mqtt", "mqttv3.1"];

/** Reads the certificate files for a TLS listener; any that cannot be read is one error naming the key and the file. */
function readTlsFiles(cfg: TlsListenerConfig): tls.SecureContextOptions {
  const read = (key: string, file: string): Buffer => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new HearthError("HEARTH_E_TLS_FILES", `mqtt.tls.${key}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
        cause: err,
      });
    }
  };
  const options: tls.SecureContextOptions = { cert: read("cert", cfg.cert), key: read("key", cfg.key), ...(cfg.ca ? { ca: read("ca", cfg.ca) } : {}) };
  try {
    tls.createSecureContext(options);
  } catch (err) {
    throw new HearthError("HEARTH_E_TLS_FILES", `mqtt.tls: the certificate files do not make a usable TLS setup: ${(err as Error).message}`, { cause: err });
  }
  return options;
}

/**
 * The broker's listeners: plain TCP, TLS and WebSocket, each optional and on its own port,
 * with Nagle's algorithm off (small MQTT packets should leave at once). `apply` opens, moves or
 * closes each one to match the configuration; on a reload the TLS certificate files are read
 * again, so a renewed certificate applies without dropping anyone.
 */
export class Listeners {
  private tcp: Open | undefined;
  private tls: Open | undefined;
  private ws: Open | undefined;
  /** Read by every connection's gate at each packet; `apply` changes it in place. */
  private readonly limits: GateLimits = { connectBytes: 0, packetBytes: 0, packetTimeoutMs: 0 };

  constructor(
    private readonly handle: ConnectionHandler,
    private readonly guard: BrokerGuard,
    private readonly log: Logger,
  ) {}

  ports(): ListenerPorts {
    return { ...(this.tcp ? { mqtt: this.tcp.port } : {}), ...(this.tls ? { mqtts: this.tls.port } : {}), ...(this.ws ? { ws: this.ws.port } : {}) };
  }

  async apply(config: MqttConfig): Promise<void> {
    Object.assign(this.limits, gateLimits(config));
    this.tcp = await this.reopen(this.tcp, config.listen ? `${config.host}:${config.port}` : undefined, () => this.openTcp(config));
    const t = config.tls;
    const tlsSignature = t && `${t.host ?? config.host}:${t.port}:${t.ca ?? ""}:${t.require_client_cert}`;
    if (t && this.tls && this.tls.signature === tlsSignature) (this.tls.server as tls.Server).setSecureContext(readTlsFiles(t));
    this.tls = await this.reopen(this.tls, tlsSignature, () => this.openTls(t!, t!.host ?? config.host));
    const w = config.websocket;
    this.ws = await this.reopen(this.ws, w && `${w.host ?? config.host}:${w.port}:${w.path ?? ""}`, () =>
      this.openWs(w!, w!.host ?? config.host, config.max_payload_bytes),
    );
  }

  close(): void {
    for (const open of [this.tcp, this.tls, this.ws]) this.closeOne(open);
    this.tcp = this.tls = this.ws = undefined;
  }

  /** Every connection reaches aedes through a gate that bounds its packets (packet-gate.ts). */
  private admit(stream: Duplex, remote: string | undefined, req?: IncomingMessage): void {
    this.handle(new PacketGate(stream, this.limits, this.guard, remote), req);
  }

  private async reopen(current: Open | undefined, signature: string | undefined, open: () => Promise<Open>): Promise<Open | undefined> {
    if (current?.signature === signature) return current;
    this.closeOne(current);
    return signature === undefined ? undefined : open();
  }

  private closeOne(open: Open | undefined): void {
    if (!open) return;
    open.dispose?.();
    stopListening(open.server);
  }

  private async openTcp(config: MqttConfig): Promise<Open> {
    const server = net.createServer({ noDelay: true }, (socket) => this.admit(socket, socket.remoteAddress));
    const port = await listenOn(server, config.host, config.port, "MQTT", "mqtt.port", "HEARTH_MQTT_PORT");
    this.log.info({ host: config.host, port }, `MQTT broker listening on ${config.host}:${port}`);
    return { signature: `${config.host}:${config.port}`, server, port };
  }

  private async openTls(cfg: TlsListenerConfig, host: string): Promise<Open> {
    const server = tls.createServer({ ...readTlsFiles(cfg), requestCert: cfg.ca !== undefined, rejectUnauthorized: cfg.require_client_cert }, (socket) => {
      socket.setNoDelay(true);
      this.admit(socket, socket.remoteAddress);
    });
    server.on("tlsClientError", (err, socket) => this.guard.tlsRefused(socket.remoteAddress, err));
    const port = await listenOn(server, host, cfg.port, "MQTT TLS", "mqtt.tls.port", "HEARTH_MQTT_TLS_PORT");
    this.log.info(
      { host, port, client_certificates: cfg.require_client_cert ? "required" : cfg.ca ? "optional" : "off" },
      `MQTT over TLS listening on ${host}:${port}`,
    );
    return { signature: `${host}:${cfg.port}:${cfg.ca ?? ""}:${cfg.require_client_cert}`, server, port };
  }

  private async openWs(cfg: WebSocketListenerConfig, host: string, maxPayloadBytes: number): Promise<Open> {
    // Loaded when a WebSocket listener is configured: most houses have none.
    const { WebSocketServer, createWebSocketStream } = await import("ws");
    const server = createHttpServer((_req, res) => {
      res.writeHead(426, { "content-type": "text/plain", upgrade: "websocket" }).end("This port speaks MQTT over WebSocket: connect with an MQTT client.\n");
    });
    const wss = new WebSocketServer({
      server,
      ...(cfg.path ? { path: cfg.path } : {}),
      maxPayload: maxPayloadBytes + HEADER_ROOM,
      handleProtocols: (offered) => WS_SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
    });
    wss.on("connection", (socket, req) => this.admit(createWebSocketStream(socket), req.socket.remoteAddress, req));
    const port = await listenOn(server, host, cfg.port, "MQTT WebSocket", "mqtt.websocket.port", "HEARTH_MQTT_WS_PORT");
    this.log.info({ host, port, path: cfg.path ?? "any" }, `MQTT over WebSocket listening on ws://${host}:${port}${cfg.path ?? "/"}`);
    return { signature: `${host}:${cfg.port}:${cfg.path ?? ""}`, server, port, dispose: () => wss.close() };
  }
}
