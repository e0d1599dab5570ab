import type { Aedes, AedesOptions, AedesPublishPacket, Client, PublishPacket } from "aedes";
import type { Counter } from "prom-client";
import type { Clock } from "../kit/clock.js";
import { describeError } from "../kit/errors.js";
import { RateLimitedLog, type Logger } from "../kit/log.js";
import type { Telemetry } from "../kit/telemetry.js";
import type { Identity } from "./acl.js";
import { connackV5, PacketGate, type GateClosure, type GateReporter } from "./packet-gate.js";
import { CONNACK, authenticate, authorizePublish, authorizeSubscribe, mayReceive, type BrokerPolicy, type Denial, type LoginRefusal } from "./auth.js";
import { IDENTIFIER_REJECTED, clientIdProblem, exceedsMaximumPacketSize } from "./mqtt5.js";

/**
 * Where a refused message goes. MQTT 3.1.1 lets a server either acknowledge a PUBLISH it does
 * not authorize or close the connection [MQTT-3.3.5-2]; aedes can only close it (aedes#210),
 * and a device whose connection is closed reconnects and publishes again, in a loop. So a
 * refused message is acknowledged as usual (as Mosquitto does) but sent to this topic, which
 * no client may subscribe to and nothing stores or forwards.
 */
const DROPPED_TOPIC = "$hearth/dropped";

type Hooks = Required<Pick<AedesOptions, "authenticate" | "authorizePublish" | "authorizeSubscribe" | "authorizeForward">>;

type Refusal = LoginRefusal | "max_clients" | "client_id";

/**
 * What aedes keeps on a client that its types do not show: the will of the CONNECT being
 * handled, the protocol level, the Maximum Packet Size an MQTT 5 client declared, and the
 * connection (a PacketGate).
 */
interface ClientInternals {
  _will?: { topic: string; payload: Buffer | string };
  version?: number;
  maximumPacketSize?: number;
  req?: { socket?: { remoteAddress?: string } };
  conn: { remoteAddress?: string; once(event: "close", listener: () => void): void };
}

/** MQTT 5 CONNACK 0x97 Quota exceeded (§3.2.2.2): "an implementation or administrative imposed limit has been exceeded". */
const QUOTA_EXCEEDED = 0x97;

const remoteOf = (client: Client): string | undefined => {
  const c = client as unknown as ClientInternals;
  return c.conn?.remoteAddress ?? c.req?.socket?.remoteAddress;
};

const isMqtt5 = (client: Client) => (client as unknown as ClientInternals).version === 5;

const byteLength = (payload: Buffer | string | undefined) =>
  payload === undefined ? 0 : typeof payload === "string" ? Buffer.byteLength(payload) : payload.length;

/**
 * The broker policy (auth.ts) wired into aedes' callbacks, in one place: counts and logs each
 * refusal, and remembers who each connected client is. A reload swaps the policy; clients
 * already connected are judged by the new one from their next message on.
 */
export class BrokerGuard implements GateReporter {
  private readonly identities = new WeakMap<Client, Identity>();
  /**
   * Every client from the moment its login starts being checked until its connection closes:
   * the password hash takes a while, and counting only clients aedes has registered let a
   * burst of logins past mqtt.max_clients.
   */
  private readonly admitted = new Set<Client>();
  private readonly gateClosures: Counter<"reason">;
  private readonly refusedLogins: Counter<"reason">;
  private readonly deniedPublishes: Counter<"reason">;
  private readonly deniedSubscriptions: Counter<"reason">;
  private readonly deniedDeliveries: Counter;
  private readonly oversizedDeliveries: Counter;
  private readonly logLimit: RateLimitedLog;

  constructor(
    private policy: BrokerPolicy,
    private maxClients: number,
    private readonly log: Logger,
    telemetry: Telemetry,
    clock: Clock,
  ) {
    this.logLimit = new RateLimitedLog(() => clock.now());
    this.refusedLogins = telemetry.counter("mqtt_connections_refused_total", "MQTT connections refused, by reason.", ["reason"]);
    for (const r of ["bad_credentials", "anonymous", "will_denied", "max_clients", "client_id", "tls"] as const) this.refusedLogins.inc({ reason: r }, 0);
    this.deniedPublishes = telemetry.counter("mqtt_publish_denied_total", "MQTT messages dropped because the client may not publish them, by reason.", [
      "reason",
    ]);
    this.deniedSubscriptions = telemetry.counter(
      "mqtt_subscribe_denied_total",
      "MQTT subscriptions refused in the SUBACK (0x80; 0x87 for MQTT 5), by reason.",
      ["reason"],
    );
    for (const r of ["reserved", "acl", "too_large"] as const) this.deniedPublishes.inc({ reason: r }, 0);
    for (const r of ["reserved", "acl"] as const) this.deniedSubscriptions.inc({ reason: r }, 0);
    this.gateClosures = telemetry.counter(
      "mqtt_connections_closed_total",
      "MQTT connections the broker closed for what the client sent: a packet over a limit, one that did not arrive in time, a topic that is not valid UTF-8 or holds U+0000, a malformed header; by reason.",
      ["reason"],
    );
    for (const r of ["connect_too_large", "too_large", "slow_packet", "invalid_topic", "malformed"] as const) this.gateClosures.inc({ reason: r }, 0);
    this.deniedDeliveries = telemetry.counter(
      "mqtt_deliveries_denied_total",
      "Messages not delivered to a subscriber because the ACL no longer lets it read the topic.",
    );
    this.oversizedDeliveries = telemetry.counter(
      "mqtt_deliveries_too_large_total",
      "Messages not delivered to an MQTT 5 subscriber because they exceed the Maximum Packet Size it declared.",
    );
  }

  update(policy: BrokerPolicy, maxClients: number): void {
    this.policy = policy;
    this.maxClients = maxClients;
  }

  /** A TLS handshake that failed (no or a bad client certificate, a client that does not trust ours). */
  tlsRefused(remote: string | undefined, err: Error): void {
    this.refusedLogins.inc({ reason: "tls" });
    this.warn("tls", { code: "HEARTH_E_MQTT_LOGIN_REFUSED", remote, reason: "tls" }, `MQTT TLS connection refused from ${remote ?? "unknown"}: ${err.message}`);
  }

  /**
   * A CONNECT aedes refused before any login hook ran. The one that is a login refusal is return
   * code 2: a 3.1.1 client with an empty client id asked to keep its session, which the broker
   * must refuse and must not keep [MQTT-3.1.3-8].
   */
  connectRefused(client: Client, err: Error & { errorCode?: number }): void {
    if (err.errorCode === IDENTIFIER_REJECTED)
      this.refuse(client, undefined, "client_id", "an empty client id needs a clean session [MQTT-3.1.3-8]", IDENTIFIER_REJECTED);
  }

  /** A connection its PacketGate closed. */
  gateClosed(reason: GateClosure, remote: string | undefined, why: string): void {
    this.gateClosures.inc({ reason });
    const code = reason === "invalid_topic" || reason === "malformed" ? "HEARTH_E_MQTT_PROTOCOL" : "HEARTH_E_MQTT_LIMIT";
    this.warn(`gate:${reason}`, { code, remote, reason }, `MQTT connection from ${remote ?? "unknown"} closed: ${why}`);
  }

  hooks(broker: () => Aedes): Hooks {
    return {
      authenticate: (client, username, password, done) => {
        const aedes = broker();
        // Own keys only: a client id such as "constructor" is text from the wire, and aedes keeps its clients in a plain object.
        const takeover = Object.hasOwn((aedes as unknown as { clients: Record<string, unknown> }).clients, client.id);
        if (!takeover && this.admitted.size >= this.maxClients) {
          this.refuse(client, username, "max_clients", `${this.maxClients} clients are connected or logging in already (mqtt.max_clients)`);
          // aedes turns an authenticate refusal into a 3.1.1 return code (3 here, 0x88 for MQTT 5); MQTT 5's own code for a limit is 0x97, which the gate sends first.
          const internals = client as unknown as ClientInternals;
          if (internals.version === 5 && internals.conn instanceof PacketGate) internals.conn.finishWith(connackV5(QUOTA_EXCEEDED));
          return done(Object.assign(new Error("server unavailable"), { returnCode: CONNACK.serverUnavailable }), null);
        }
        const badId = clientIdProblem(client.id);
        if (badId) {
          this.refuse(client, username, "client_id", `its client id is not accepted: ${badId}`, IDENTIFIER_REJECTED);
          return done(Object.assign(new Error("client identifier not valid"), { returnCode: IDENTIFIER_REJECTED }), null);
        }
        this.admitted.add(client);
        (client as unknown as ClientInternals).conn.once("close", () => this.admitted.delete(client));
        const will = (client as unknown as ClientInternals)._will;
        const request = { clientId: client.id, username, password, will: will && { topic: will.topic, payload: Buffer.from(will.payload ?? "") } };
        authenticate(this.policy, request).then(
          (result) => {
            if (result.ok) {
              this.identities.set(client, result.identity);
              return done(null, true);
            }
            this.refuse(client, username, result.reason, result.why, result.returnCode);
            done(Object.assign(new Error(result.why), { returnCode: result.returnCode }), null);
          },
          (err: unknown) => {
            this.log.error({ client: client.id, err: describeError(err) }, "MQTT login could not be checked");
            done(Object.assign(new Error("not authorized"), { returnCode: CONNACK.notAuthorized }), null);
          },
        );
      },

      authorizePublish: (client, packet, callback) => {
        // Without a client, aedes is publishing the will of a client from before a restart: it was checked when that client connected.
        if (!client) return callback(null);
        const id = this.identityOf(client);
        const decision = authorizePublish(this.policy, id, packet.topic, byteLength(packet.payload));
        if (decision.ok) return callback(null);
        // MQTT 5 has a reason code for this: aedes answers a QoS 1/2 publish with PUBACK/PUBREC
        // 0x87 (Not authorized) and keeps the connection [MQTT-3.4.2-1]. A payload over the limit
        // stays dropped and acknowledged as for 3.1.1.
        if (isMqtt5(client) && decision.reason !== "too_large") {
          this.count(client, id, packet, decision.reason, `MQTT publish refused (PUBACK 0x87 for QoS 1, not delivered for QoS 0): ${decision.why}`);
          return callback(new Error(decision.why));
        }
        this.drop(client, id, packet, decision.reason, decision.why);
        callback(null);
      },

      authorizeSubscribe: (client, sub, callback) => {
        const id = this.identityOf(client);
        const decision = authorizeSubscribe(this.policy, id, sub.topic);
        if (decision.ok) return callback(null, sub);
        this.deniedSubscriptions.inc({ reason: decision.reason });
        const suback = isMqtt5(client) ? "0x87" : "0x80";
        this.warn(
          `subscribe:${decision.reason}`,
          { code: "HEARTH_E_MQTT_FORBIDDEN", client: client.id, user: id.user, filter: sub.topic, reason: decision.reason },
          `MQTT subscription refused (SUBACK ${suback}): ${decision.why}`,
        );
        callback(null, null);
      },

      authorizeForward: (client, packet) => {
        if (!mayReceive(this.policy, this.identityOf(client), packet.topic)) {
          this.deniedDeliveries.inc();
          return null;
        }
        if (exceedsMaximumPacketSize(packet, (client as unknown as ClientInternals).maximumPacketSize)) {
          this.oversizedDeliveries.inc();
          return null;
        }
        return packet;
      },
    };
  }

  private identityOf(client: Client): Identity {
    return this.identities.get(client) ?? { user: undefined, clientId: client.id };
  }

  private drop(client: Client, id: Identity, packet: PublishPacket | AedesPublishPacket, reason: Denial, why: string): void {
    this.count(client, id, packet, reason, `MQTT publish dropped: ${why}`);
    packet.topic = DROPPED_TOPIC;
    packet.retain = false;
  }

  private count(client: Client, id: Identity, packet: PublishPacket | AedesPublishPacket, reason: Denial, message: string): void {
    this.deniedPublishes.inc({ reason });
    const code = reason === "too_large" ? "HEARTH_E_MQTT_LIMIT" : "HEARTH_E_MQTT_FORBIDDEN";
    this.warn(`publish:${reason}`, { code, client: client.id, user: id.user, topic: packet.topic, reason }, message);
  }

  private refuse(client: Client, username: string | undefined, reason: Refusal, why: string, returnCode: number = CONNACK.serverUnavailable): void {
    this.refusedLogins.inc({ reason });
    this.warn(
      `login:${reason}`,
      {
        code: reason === "max_clients" ? "HEARTH_E_MQTT_LIMIT" : "HEARTH_E_MQTT_LOGIN_REFUSED",
        client: client.id,
        username,
        remote: remoteOf(client),
        reason,
        returnCode,
      },
      `MQTT login refused for ${client.id ? `client "${client.id}"` : "a client without an id"}: ${why} (CONNACK ${returnCode})`,
    );
  }

  /** At most five lines a minute per kind of refusal, so a misconfigured device or a guesser cannot flood the log. */
  private warn(key: string, fields: Record<string, unknown>, message: string): void {
    const { ok, suppressed } = this.logLimit.allow(key);
    if (ok) this.log.warn(suppressed ? { ...fields, suppressed } : fields, suppressed ? `${message} (${suppressed} more like it in the last minute)` : message);
  }
}
