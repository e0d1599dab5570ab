import net from "node:net";
import { Aedes, type AedesPublishPacket, type Client } from "aedes";
import { HearthError } from "../errors.js";
import type { Health } from "../health.js";
import type { Logger } from "../log.js";
import type { Telemetry } from "../telemetry.js";
import type { MqttConfig } from "./schema.js";
import { listenOn, stopListening } from "./listen.js";

export type MessageHandler = (topic: string, payload: Buffer, retain: boolean) => void;

/**
 * The house's broker: an embedded aedes instance and its TCP listener. Every message a device
 * publishes (and every will the broker publishes for a device that dropped off) is handed to
 * the pipeline; `$SYS/` traffic is the broker's own and is not.
 */
export class Broker {
  private aedes: Aedes | undefined;
  private server: net.Server | undefined;
  private boundPort: number | undefined;

  constructor(
    private config: MqttConfig,
    private readonly onMessage: MessageHandler,
    private readonly log: Logger,
    private readonly health: Health,
    private readonly telemetry: Telemetry,
  ) {}

  get port(): number | undefined {
    return this.boundPort;
  }

  get instance(): Aedes {
    if (!this.aedes) throw new Error("broker not started");
    return this.aedes;
  }

  async start(): Promise<void> {
    this.health.set("broker", "starting", { critical: true });
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, _password, done) => this.authenticate(client, username, done),
    });
    this.aedes = aedes;
    aedes.on("publish", (packet: AedesPublishPacket) => {
      if (packet.topic.startsWith("$SYS/")) return;
      this.onMessage(packet.topic, packet.payload as Buffer, packet.retain);
    });
    aedes.on("clientError", (client: Client, err: Error) => this.log.debug({ client: client.id, err: err.message }, "MQTT client error"));
    this.telemetry.gauge("mqtt_clients", "Clients connected to the embedded broker.", [], (g) => g.set(this.aedes?.connectedClients ?? 0));
    await this.listen();
  }

  private authenticate(client: Client, username: string | undefined, done: (err: (Error & { returnCode: number }) | null, ok: boolean | null) => void): void {
    if (this.config.allow_anonymous) return done(null, true);
    this.log.warn({ client: client.id, username }, "MQTT login refused: anonymous access is off and no password file is configured");
    // [MQTT-3.2.2-3] return code 5: not authorized.
    done(Object.assign(new Error("not authorized"), { returnCode: 5 }), null);
  }

  private async listen(): Promise<void> {
    const aedes = this.instance;
    const server = net.createServer({ noDelay: true }, aedes.handle);
    try {
      this.boundPort = await listenOn(server, this.config.host, this.config.port, "MQTT", "mqtt.port", "HEARTH_MQTT_PORT");
    } catch (err) {
      this.health.set("broker", "down", { detail: err instanceof HearthError ? err.message : String(err) });
      throw err;
    }
    this.server = server;
    this.health.set("broker", "ok", { info: { mqtt_port: this.boundPort, mqtt_host: this.config.host } });
    this.log.info({ host: this.config.host, port: this.boundPort }, `MQTT broker listening on ${this.config.host}:${this.boundPort}`);
  }

  /** Applies a changed `mqtt:` section; only a new address or port reopens the listener. */
  async reconfigure(config: MqttConfig): Promise<void> {
    const relisten = config.host !== this.config.host || config.port !== this.config.port;
    this.config = config;
    if (!relisten) return;
    stopListening(this.server);
    this.server = undefined;
    await this.listen();
  }

  async stop(): Promise<void> {
    stopListening(this.server);
    this.server = undefined;
    const aedes = this.aedes;
    this.aedes = undefined;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    this.health.set("broker", "down", { detail: "stopped" });
  }
}
