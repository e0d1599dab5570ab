import fs from "node:fs";
import { createRequire } from "node:module";
import type { AedesPublishPacket } from "aedes";
import type { IClientOptions, IClientSubscribeOptions, MqttClient } from "mqtt";
import type { Counter, Gauge } from "prom-client";
import type { Cancel, Clock } from "../../kit/clock.js";
import { formatDuration } from "../../config-kit/common.js";
import { HearthError, describeError } from "../../kit/errors.js";
import type { Health } from "../../kit/health.js";
import { RateLimitedLog, type Logger } from "../../kit/log.js";
import type { Broker } from "../broker.js";
import { reservedProblem } from "../reserved.js";
import { backoffDelay, spreadJitter } from "../../kit/backoff.js";
import { EchoFilter } from "./echo.js";
import { compileRoutes, rewrite, type Routes } from "./routes.js";
import type { BridgeConfig } from "./schema.js";

/** MQTT.js with its WebSocket and TLS stacks, required when a bridge starts: most houses have none. */
const mqttClient = () => createRequire(import.meta.url)("mqtt") as typeof import("mqtt");

export interface BridgeMetrics {
  up: Gauge<"bridge">;
  messages: Counter<"bridge" | "direction">;
  dropped: Counter<"bridge" | "reason">;
  connections: Counter<"bridge" | "outcome">;
}

interface LinkDeps {
  broker: Broker;
  clock: Clock;
  log: Logger;
  health: Health;
  metrics: BridgeMetrics;
  /** Hearth's host name, for the default client id. */
  hostName: string;
  random?: () => number;
}

interface Outgoing {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  userProperties: UserProperties | undefined;
}

/** MQTT 5 user properties (§3.3.2.3.7): name to value, a name given more than once to a list. */
type UserProperties = Record<string, string | string[]>;

/**
 * With MQTT 5 a session that is not clean must say how long the remote broker keeps it after a
 * disconnect (0 would end it at once). A day covers any outage of the link worth bridging.
 */
const SESSION_EXPIRY_S = 86_400;
const CONNECT_TIMEOUT_MS = 10_000;
/** ±20 % around the doubling schedule, so several hubs that lost the same broker do not all come back in the same instant. */
export const RECONNECT_JITTER = spreadJitter(0.2);

/** A URL as it may be shown: the password, if any was written in it, left out. */
const safeUrl = (url: string): string => {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
};

function readFile(bridge: string, key: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new HearthError("HEARTH_E_TLS_FILES", `bridge "${bridge}": tls.${key}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      cause: err,
    });
  }
}

/**
 * One link to another broker. It subscribes there to the inbound filters and publishes what
 * arrives into Hearth's broker, as if a local client had; it sends the outbound topics there,
 * never a message that came in over this same link (so nothing can loop), and with MQTT 5's
 * no-local flag (or Hearth's own echo check on 3.1.1) nothing comes back twice. When the link
 * drops it reconnects with capped exponential backoff, keeping QoS 1/2 messages for the remote
 * broker meanwhile (up to max_queued_messages).
 */
export class BridgeLink {
  private client: MqttClient | undefined;
  private connected = false;
  private stopped = false;
  private attempt = 0;
  private cancelRetry: Cancel | undefined;
  private lastError: string | undefined;
  private readonly pending: Outgoing[] = [];
  private readonly routes: Routes;
  private readonly echoes: EchoFilter | undefined;
  private readonly component: string;
  private readonly logLimit: RateLimitedLog;
  private stopForwarding: (() => void) | undefined;

  constructor(
    readonly config: BridgeConfig,
    private readonly deps: LinkDeps,
  ) {
    this.routes = compileRoutes(config.topics);
    // No-local cannot be asked for on a shared subscription (MQTT 5 §3.8.3.1, [MQTT-3.8.3-4]): then, as on 3.1.1, Hearth drops the echoes itself.
    this.echoes = config.protocol_version === 4 || config.share_group !== undefined ? new EchoFilter() : undefined;
    this.component = `bridge:${config.name}`;
    this.logLimit = new RateLimitedLog(() => deps.clock.now());
  }

  private get name(): string {
    return this.config.name;
  }

  start(): void {
    const options = this.clientOptions();
    this.deps.health.set(this.component, "starting", { critical: false, info: { url: safeUrl(this.config.url), client_id: options.clientId } });
    this.deps.metrics.up.set({ bridge: this.name }, 0);
    this.stopForwarding = this.deps.broker.onPublish((packet, origin) => this.forward(packet, origin));
    const client = mqttClient().connect(this.config.url, options);
    this.client = client;
    client.on("connect", (connack) => this.onConnect(connack.sessionPresent === true));
    client.on("message", (topic, payload, packet) => this.onMessage(topic, payload, packet.qos, packet.retain, packet.properties?.userProperties));
    client.on("error", (err) => {
      this.lastError = err.message;
    });
    client.on("close", () => this.onClose());
  }

  private clientOptions(): IClientOptions & { clientId: string } {
    const c = this.config;
    const tls = c.tls;
    return {
      clientId: c.client_id ?? `hearth-${this.deps.hostName}-${c.name}`,
      ...(c.username ? { username: c.username } : {}),
      ...(c.password ? { password: c.password } : {}),
      protocolVersion: c.protocol_version,
      clean: c.clean,
      keepalive: Math.max(1, Math.round(c.keepalive / 1000)),
      // Hearth schedules reconnections itself (with backoff, on the injected clock).
      reconnectPeriod: 0,
      connectTimeout: CONNECT_TIMEOUT_MS,
      resubscribe: false,
      ...(c.protocol_version === 5 && !c.clean ? { properties: { sessionExpiryInterval: SESSION_EXPIRY_S } } : {}),
      ...(tls
        ? {
            rejectUnauthorized: tls.reject_unauthorized,
            ...(tls.ca ? { ca: readFile(c.name, "ca", tls.ca) } : {}),
            ...(tls.cert ? { cert: readFile(c.name, "cert", tls.cert) } : {}),
            ...(tls.key ? { key: readFile(c.name, "key", tls.key) } : {}),
          }
        : {}),
    };
  }

  private onConnect(sessionPresent: boolean): void {
    const { log, metrics, health } = this.deps;
    this.connected = true;
    this.attempt = 0;
    this.lastError = undefined;
    metrics.up.set({ bridge: this.name }, 1);
    metrics.connections.inc({ bridge: this.name, outcome: "connected" });
    health.set(this.component, "ok", { info: { connected_since: new Date(this.deps.clock.now()).toISOString(), retry_in_ms: null } });
    log.info(
      { bridge: this.name, url: safeUrl(this.config.url), session_present: sessionPresent },
      `Bridge "${this.name}" connected to ${safeUrl(this.config.url)}`,
    );
    // A session the remote broker kept still has the subscriptions; subscribing again would make it resend every retained message.
    if (!sessionPresent) this.subscribeRemote();
    for (const message of this.pending.splice(0)) this.send(message);
  }

  private subscribeRemote(): void {
    const subs = this.routes.remoteSubscriptions;
    if (subs.length === 0 || !this.client) return;
    const v5 = this.config.protocol_version === 5;
    const group = this.config.share_group;
    const map: Record<string, IClientSubscribeOptions> = {};
    // Only the subscription names the group: messages still arrive on their own topics, so the routes match the plain filters.
    for (const s of subs) map[group ? `$share/${group}/${s.topic}` : s.topic] = v5 ? { qos: s.qos, nl: !group, rap: true, rh: 0 } : { qos: s.qos };
    this.client.subscribe(map, (err, granted) => {
      const refused = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
      if (!err && refused.length === 0) return;
      const detail = err ? `subscribing at the remote broker failed: ${err.message}` : `the remote broker refused the subscription to ${refused.join(", ")}`;
      this.deps.health.set(this.component, "degraded", { detail });
      this.deps.log.warn({ code: "HEARTH_E_BRIDGE_DOWN", bridge: this.name, refused }, `Bridge "${this.name}": ${detail}`);
    });
  }

  private onMessage(topic: string, payload: Buffer, qos: number, retain: boolean, userProperties: UserProperties | undefined): void {
    if (this.echoes?.isEcho(topic, payload)) return;
    const local = rewrite(this.routes.inbound, topic, qos);
    if (!local) return;
    const reserved = reservedProblem(local.topic);
    if (reserved) {
      this.deps.metrics.dropped.inc({ bridge: this.name, reason: "reserved" });
      this.warn(
        "reserved",
        { code: "HEARTH_E_MQTT_FORBIDDEN", bridge: this.name, topic: local.topic },
        `Bridge "${this.name}": a message for "${local.topic}" was dropped: that is one of ${reserved}`,
      );
      return;
    }
    this.deps.metrics.messages.inc({ bridge: this.name, direction: "in" });
    this.deps.broker
      .publish(
        { cmd: "publish", topic: local.topic, payload, qos: local.qos, retain, dup: false, ...(userProperties ? { properties: { userProperties } } : {}) },
        this.name,
      )
      .catch((err: unknown) =>
        this.deps.log.warn(
          { bridge: this.name, topic: local.topic, err: describeError(err) },
          `Bridge "${this.name}": a message could not be published locally`,
        ),
      );
  }

  private forward(packet: AedesPublishPacket, origin: string | undefined): void {
    if (origin === this.name) return;
    const remote = rewrite(this.routes.outbound, packet.topic, packet.qos);
    if (!remote) return;
    const userProperties = (packet as { properties?: { userProperties?: UserProperties } }).properties?.userProperties;
    const message: Outgoing = { topic: remote.topic, payload: Buffer.from(packet.payload), qos: remote.qos, retain: packet.retain, userProperties };
    if (this.connected) return this.send(message);
    if (message.qos === 0) return this.deps.metrics.dropped.inc({ bridge: this.name, reason: "link_down" });
    if (this.pending.length >= this.config.max_queued_messages) {
      this.deps.metrics.dropped.inc({ bridge: this.name, reason: "queue_full" });
      this.warn(
        "queue_full",
        { code: "HEARTH_E_BRIDGE_DOWN", bridge: this.name },
        `Bridge "${this.name}" is down and holds ${this.pending.length} messages already; dropping more`,
      );
      return;
    }
    this.pending.push(message);
  }

  private send(m: Outgoing): void {
    if (this.echoes && rewrite(this.routes.inbound, m.topic, m.qos)) this.echoes.sent(m.topic, m.payload);
    this.deps.metrics.messages.inc({ bridge: this.name, direction: "out" });
    const properties = m.userProperties && this.config.protocol_version === 5 ? { properties: { userProperties: m.userProperties } } : {};
    this.client?.publish(m.topic, m.payload, { qos: m.qos, retain: m.retain, ...properties }, (err) => {
      if (err) this.deps.log.debug({ bridge: this.name, topic: m.topic, err: err.message }, "Bridge publish not acknowledged");
    });
  }

  private onClose(): void {
    if (this.stopped) return;
    const { log, metrics, health, clock } = this.deps;
    const wasUp = this.connected;
    this.connected = false;
    metrics.up.set({ bridge: this.name }, 0);
    metrics.connections.inc({ bridge: this.name, outcome: wasUp ? "lost" : "failed" });
    const delay = backoffDelay(this.attempt++, this.config.reconnect.min, this.config.reconnect.max, RECONNECT_JITTER, this.deps.random);
    const why = this.lastError ?? "the connection closed";
    health.set(this.component, "degraded", {
      detail: `${why}; next attempt in ${formatDuration(delay)}`,
      info: { retry_in_ms: delay, attempts: this.attempt },
    });
    const fields = { code: "HEARTH_E_BRIDGE_DOWN", bridge: this.name, url: safeUrl(this.config.url), err: why, retry_in_ms: delay };
    if (wasUp || this.attempt === 1)
      log.warn(fields, `Bridge "${this.name}" ${wasUp ? "lost its connection" : "cannot connect"}: ${why}; retrying in ${formatDuration(delay)}`);
    else log.debug(fields, `Bridge "${this.name}" still cannot connect: ${why}`);
    this.cancelRetry?.();
    this.cancelRetry = clock.setTimeout(() => {
      this.cancelRetry = undefined;
      const client = this.client;
      // Keep the stores: QoS 1/2 messages in flight when the link dropped are sent again.
      if (client && !this.stopped) client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
    }, delay);
  }

  private warn(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.logLimit.allow(key).ok) this.deps.log.warn(fields, message);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelRetry?.();
    this.cancelRetry = undefined;
    this.stopForwarding?.();
    const client = this.client;
    this.client = undefined;
    // A clean DISCONNECT while the link is up, so the remote broker keeps the session but publishes no will.
    if (client) await client.endAsync(!this.connected).catch(() => undefined);
    this.connected = false;
    this.deps.health.remove(this.component);
    this.deps.metrics.up.remove({ bridge: this.name });
  }
}
