import type { EventEmitter } from "node:events";
import { Aedes, type AedesPublishPacket, type Client, type PublishPacket } from "aedes";
import type { Counter } from "prom-client";
import type { Clock } from "../kit/clock.js";
import { outOfSpace } from "../kit/disk-full.js";
import { HearthError, describeError } from "../kit/errors.js";
import type { Health } from "../kit/health.js";
import { RateLimitedLog, type Logger } from "../kit/log.js";
import type { Telemetry } from "../kit/telemetry.js";
import { BrokerGuard } from "./guard.js";
import { Listeners, type ListenerPorts } from "./listeners.js";
import { createStore, memoryStore, type StoreChoice } from "./persistence/index.js";
import { trackPending, type TrackedStore } from "./persistence/pending.js";
import { TOPIC_ALIAS_MAXIMUM } from "./mqtt5.js";
import { SessionRestore } from "./session-restore.js";
import { loadPolicy } from "./policy.js";
import type { MqttConfig } from "./schema.js";
import type { UserProperties } from "../pipeline/message.js";

/** `userProperties`: an MQTT 5 message's user properties, for the ingest rules that read them. */
export type MessageHandler = (topic: string, payload: Buffer, retain: boolean, userProperties: UserProperties | undefined) => void;

/** Told about every message the broker passes on; `origin` names the bridge a message came in through. */
type PublishListener = (packet: AedesPublishPacket, origin: string | undefined) => void;

interface BrokerOptions {
  config: MqttConfig;
  /** Where the SQLite store goes unless mqtt.persistence.file says otherwise. */
  storageDir: string;
  onMessage: MessageHandler;
  log: Logger;
  health: Health;
  telemetry: Telemetry;
  clock: Clock;
}

/**
 * The house's broker: an embedded aedes instance, its listeners (TCP, TLS, WebSocket), its
 * store of retained messages and sessions, and the guard that applies the password file and
 * the ACL. Every message a device publishes (and every will the broker publishes for a device
 * that dropped off) is handed to the pipeline; `$`-topics are the broker's own and are not.
 */
export class Broker {
  private aedes: Aedes | undefined;
  private store: (StoreChoice & { tracked: TrackedStore }) | undefined;
  private listeners: Listeners | undefined;
  private sessions: SessionRestore | undefined;
  private config: MqttConfig;
  private readonly guard: BrokerGuard;
  private readonly publishListeners = new Set<PublishListener>();
  /** Messages a bridge brought in, so that bridge does not send them back out. */
  private readonly origins = new WeakMap<object, string>();
  private readonly storeLog: RateLimitedLog;
  private readonly queueFull: Counter;
  private readonly storeErrors: Counter;
  /** Why the broker runs on its in-memory store instead of the configured one (a full disk at start). */
  private storeProblem: string | undefined;

  constructor(private readonly opts: BrokerOptions) {
    this.config = opts.config;
    this.storeLog = new RateLimitedLog(() => opts.clock.now());
    this.guard = new BrokerGuard(loadPolicy(opts.config), opts.config.max_clients, opts.log, opts.telemetry, opts.clock);
    this.queueFull = opts.telemetry.counter(
      "mqtt_queue_dropped_total",
      "QoS 1/2 messages not queued for an offline persistent session because its queue was full.",
    );
    this.storeErrors = opts.telemetry.counter("mqtt_store_errors_total", "Failures of the broker's store (SQLite file or Redis) while running.");
    opts.telemetry.gauge("mqtt_clients", "Clients connected to the embedded broker.", [], (g) => g.set(this.aedes?.connectedClients ?? 0));
  }

  /** The plain TCP port, when that listener is open. */
  get port(): number | undefined {
    return this.listeners?.ports().mqtt;
  }

  ports(): ListenerPorts {
    return this.listeners?.ports() ?? {};
  }

  get instance(): Aedes {
    if (!this.aedes) throw new Error("broker not started");
    return this.aedes;
  }

  async start(): Promise<void> {
    const { health, log } = this.opts;
    health.set("broker", "starting", { critical: true });
    const chosen = createStore(this.config.persistence, this.opts.storageDir, {
      onQueueFull: (clientId) => {
        this.queueFull.inc();
        this.warnOnce(
          "queue",
          { code: "HEARTH_E_MQTT_LIMIT", client: clientId },
          `A message for offline client "${clientId}" was dropped: its queue holds mqtt.persistence.max_queued_messages already`,
        );
      },
      onError: (err) => this.storeFailed(err),
    });
    this.store = { ...chosen, tracked: trackPending(chosen.store) };
    this.storeProblem = undefined;
    try {
      this.aedes = await this.createAedes(this.store.tracked.store);
    } catch (err) {
      const detail = `the broker's store (${this.store.where}) cannot be opened: ${describeError(err)}`;
      await Promise.resolve(this.store.store.destroy()).catch(() => undefined);
      this.store = undefined;
      if (!outOfSpace(err)) {
        health.set("broker", "down", { detail });
        throw new HearthError("HEARTH_E_BROKER_STORE", detail, { cause: err });
      }
      // A full disk must not keep the house's broker down: it runs on aedes' in-memory store until the next start.
      const memory = memoryStore();
      this.store = { ...memory, tracked: trackPending(memory.store) };
      this.storeProblem = `HEARTH_E_BROKER_STORE: ${detail}`;
      this.storeErrors.inc();
      log.error(
        { code: "HEARTH_E_BROKER_STORE", err: describeError(err) },
        `${detail}; the broker starts with retained messages and sessions in memory, lost at the next restart, which opens the file again once there is space`,
      );
      this.aedes = await this.createAedes(this.store.tracked.store);
    }
    const aedes = this.aedes;
    aedes.on("publish", (packet: AedesPublishPacket) => this.published(packet));
    aedes.on("clientError", (client: Client, err: Error) => log.debug({ client: client.id, err: err.message }, "MQTT client error"));
    aedes.on("connectionError", (client: Client, err: Error) => this.guard.connectRefused(client, err));
    // aedes reports a failing store here; without a listener the error would end the process.
    (aedes as EventEmitter).on("error", (err: Error) => this.storeFailed(err));
    const { sessionTimes, tracked } = this.store;
    if (sessionTimes) {
      this.sessions = new SessionRestore(aedes, tracked.store as ConstructorParameters<typeof SessionRestore>[1], sessionTimes, tracked.track, (err) =>
        this.storeFailed(err),
      );
      // Before the listeners open, so no client can connect while sessions and wills are restored.
      await this.sessions.start();
    }
    this.listeners = new Listeners(aedes.handle, this.guard, log);
    try {
      await this.listeners.apply(this.config);
    } catch (err) {
      health.set("broker", "down", { detail: err instanceof HearthError ? err.message : String(err) });
      throw err;
    }
    this.reportHealth();
    log.info({ store: this.store.where }, `Broker keeps retained messages and sessions in ${this.store.where}`);
    this.warnIfNobodyCanLogIn();
  }

  private createAedes(persistence: TrackedStore["store"]): Promise<Aedes> {
    return Aedes.createBroker({ persistence, topicAliasMaximum: TOPIC_ALIAS_MAXIMUM, ...this.guard.hooks(() => this.instance) });
  }

  private storeFailed(err: Error): void {
    this.storeErrors.inc();
    this.warnOnce("store", { code: "HEARTH_E_BROKER_STORE", err: err.message }, `The broker's store failed: ${err.message}`);
  }

  private published(packet: AedesPublishPacket): void {
    if (packet.topic.startsWith("$")) return;
    this.opts.onMessage(
      packet.topic,
      packet.payload as Buffer,
      packet.retain,
      (packet as { properties?: { userProperties?: UserProperties } }).properties?.userProperties,
    );
    const origin = this.origins.get(packet);
    for (const listener of this.publishListeners) listener(packet, origin);
  }

  /** Publishes a message a bridge brought in, as if a local client had published it. */
  publish(packet: PublishPacket, origin: string): Promise<void> {
    this.origins.set(packet, origin);
    return new Promise((resolve, reject) => this.instance.publish(packet, (err) => (err ? reject(err) : resolve())));
  }

  onPublish(listener: PublishListener): () => void {
    this.publishListeners.add(listener);
    return () => this.publishListeners.delete(listener);
  }

  private reportHealth(): void {
    const ports = this.ports();
    // Degraded, not down: MQTT works, but what the broker keeps is not on disk.
    this.opts.health.set("broker", this.storeProblem ? "degraded" : "ok", {
      ...(this.storeProblem ? { detail: this.storeProblem } : {}),
      info: {
        mqtt_host: this.config.host,
        mqtt_port: ports.mqtt ?? null,
        mqtts_port: ports.mqtts ?? null,
        ws_port: ports.ws ?? null,
        store: this.store?.where,
      },
    });
  }

  private warnIfNobodyCanLogIn(): void {
    const open = Object.keys(this.ports()).length > 0;
    if (open && !this.config.allow_anonymous && !this.config.password_file)
      this.opts.log.warn("No client can log in: mqtt.allow_anonymous is false and no mqtt.password_file is set. Create one with `hearth passwd FILE USER`.");
  }

  private warnOnce(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.storeLog.allow(key).ok) this.opts.log.warn(fields, message);
  }

  /**
   * Applies a changed `mqtt:` section: the password file and the ACL are read again (SIGHUP),
   * limits apply to the next connection or message, listeners move only when their address
   * changed, and TLS certificates are reloaded in place. The store is chosen at start only.
   */
  async reconfigure(config: MqttConfig): Promise<void> {
    this.guard.update(loadPolicy(config), config.max_clients);
    if (JSON.stringify(config.persistence) !== JSON.stringify(this.config.persistence))
      this.opts.log.warn("mqtt.persistence changed: the broker's store is chosen at start, so this applies at the next start");
    this.config = config;
    await this.listeners?.apply(config);
    this.reportHealth();
    this.opts.log.info({ password_file: config.password_file, acl_entries: config.acl?.length ?? null }, "Broker policy reloaded (password file and ACL)");
  }

  async stop(): Promise<void> {
    this.listeners?.close();
    this.listeners = undefined;
    const aedes = this.aedes;
    this.aedes = undefined;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    // After aedes closed its clients, so their session ends are recorded.
    this.sessions?.stop();
    this.sessions = undefined;
    const store = this.store;
    this.store = undefined;
    // Writes aedes started and did not wait for (the last acknowledged messages, wills) finish first.
    if (store && aedes) {
      await store.tracked.settled();
      await Promise.resolve(store.store.destroy()).catch((err: unknown) =>
        this.opts.log.warn({ err: describeError(err) }, "The broker's store did not close cleanly"),
      );
    }
    this.opts.health.set("broker", "down", { detail: "stopped" });
  }
}
