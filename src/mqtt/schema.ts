import { z } from "zod";
import { ByteSize, Duration, HostAddress, Port } from "../config-kit/common.js";
import { BridgeConfig } from "./bridge/schema.js";
import { filterProblems } from "./topic.js";

const AclPattern = z
  .string()
  .superRefine((s, ctx) => {
    for (const message of filterProblems(s)) ctx.addIssue({ code: "custom", message });
  })
  .meta({
    description: "A topic filter; %u stands for the client's user name and %c for its client id, as in Mosquitto's ACL file.",
    examples: ["tele/%c/#", "owntracks/%u/#"],
  });

const Patterns = (what: string) => z.array(AclPattern).default([]).meta({ description: what });

const AclEntry = z
  .strictObject({
    user: z.string().min(1).optional().meta({ description: "The logged-in user these patterns are for." }),
    anonymous: z.literal(true).optional().meta({ description: "These patterns are for clients without a user name (only with allow_anonymous)." }),
    everyone: z
      .literal(true)
      .optional()
      .meta({ description: "These patterns are for every client (Mosquitto's `pattern` lines); %u never matches an anonymous client." }),
    publish: Patterns("Topics these clients may publish to."),
    subscribe: Patterns("Topic filters these clients may subscribe to (and receive messages on)."),
    both: Patterns("Topics these clients may publish to and subscribe to."),
  })
  .superRefine((e, ctx) => {
    const who = [e.user !== undefined, e.anonymous === true, e.everyone === true].filter(Boolean).length;
    if (who !== 1) ctx.addIssue({ code: "custom", message: "say whom this entry is for with exactly one of user: NAME, anonymous: true or everyone: true" });
    if (e.publish.length + e.subscribe.length + e.both.length === 0)
      ctx.addIssue({ code: "custom", message: "an entry needs at least one of publish, subscribe or both" });
  })
  .meta({ description: "What one user (or anonymous clients, or everyone) may publish and subscribe to." });

export type AclEntry = z.output<typeof AclEntry>;

const TlsListener = z
  .strictObject({
    host: HostAddress.optional().meta({ description: "Address to bind; default mqtt.host." }),
    port: Port.default(8883).meta({ description: "MQTT over TLS port (HEARTH_MQTT_TLS_PORT overrides)." }),
    cert: z.string().min(1).meta({ description: "PEM file of the server certificate (with its chain)." }),
    key: z.string().min(1).meta({ description: "PEM file of the certificate's private key." }),
    ca: z.string().min(1).optional().meta({ description: "PEM file of the CA that signs client certificates; with it, clients may present one." }),
    require_client_cert: z.boolean().default(false).meta({ description: "Refuse clients without a certificate signed by `ca`." }),
  })
  .refine((t) => !t.require_client_cert || t.ca !== undefined, {
    message: "require_client_cert needs ca: the CA that signs the client certificates",
    path: ["require_client_cert"],
  })
  .meta({ description: "MQTT over TLS. Files are read again on reload (SIGHUP), so a renewed certificate applies without a restart." });

const WebSocketListener = z
  .strictObject({
    host: HostAddress.optional().meta({ description: "Address to bind; default mqtt.host." }),
    port: Port.default(9001).meta({ description: "MQTT over WebSocket port (HEARTH_MQTT_WS_PORT overrides)." }),
    path: z
      .string()
      .regex(/^\//, { message: 'a path starts with "/", as in "/mqtt"' })
      .optional()
      .meta({ description: "Accept WebSocket connections only on this path (e.g. /mqtt behind a reverse proxy); any path when absent, as Mosquitto does." }),
  })
  .meta({ description: "MQTT over WebSocket, for browser dashboards." });

const Persistence = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("sqlite"),
      file: z.string().min(1).optional().meta({ description: "The broker's SQLite file; default <storage.dir>/broker.db." }),
      max_queued_messages: z.number().int().positive().default(1000).meta({
        description:
          "QoS 1 and 2 messages kept per offline persistent session (Mosquitto's max_queued_messages); beyond this, new ones are dropped and counted.",
      }),
    }),
    z.strictObject({
      type: z.literal("redis"),
      url: z.string().default("redis://127.0.0.1:6379/0").meta({ description: "redis://[:password@]host:port/db" }),
      key_prefix: z.string().default("hearth:broker:").meta({ description: "Prefix of every key Hearth writes, so the database can be shared." }),
    }),
    z.strictObject({ type: z.literal("memory") }),
  ])
  .prefault({ type: "sqlite" })
  .meta({
    description:
      "Where retained messages, persistent sessions and their queued messages are kept. sqlite (the default) survives restarts with nothing else to run; redis keeps them in a Redis you already run; memory forgets them on restart.",
  });

/** The embedded broker: what the house's devices connect to. */
export const MqttConfig = z
  .strictObject({
    host: HostAddress.default("0.0.0.0").meta({ description: "Address the MQTT listener binds to; 0.0.0.0 accepts devices on the LAN." }),
    port: Port.default(1883).meta({ description: "MQTT TCP port (HEARTH_MQTT_PORT overrides)." }),
    listen: z
      .boolean()
      .default(true)
      .meta({ description: "Open the plain MQTT TCP listener. Turn off when another broker owns the port and a bridge is Hearth's input." }),
    allow_anonymous: z
      .boolean()
      .default(false)
      .meta({ description: "Accept clients without credentials. Off by default: devices log in with a user from the password file." }),
    password_file: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "Users and scrypt password hashes, one `user:hash` line each, written by `hearth passwd FILE USER`. Read again on SIGHUP." }),
    acl: z.array(AclEntry).optional().meta({
      description:
        "Who may publish and subscribe to what. Absent: every client that got in may use every topic but the reserved ones. Present: only what an entry allows.",
    }),
    tls: TlsListener.optional(),
    websocket: WebSocketListener.optional(),
    max_payload_bytes: z.number().int().positive().max(268_435_455).default(4_194_304).meta({
      description:
        "Messages with a larger payload are dropped and counted (the largest a house usually sees is Zigbee2MQTT's device list). A packet announcing more than this plus 64 KiB for its headers is refused as soon as its header arrives, and the client disconnected (MQTT 5: DISCONNECT 0x95).",
    }),
    max_connect_bytes: ByteSize.pipe(z.number().int().min(1024).max(268_435_455)).prefault("64KiB").meta({
      description:
        "The largest CONNECT (user name, password and will included) a client may send before it has logged in; a larger one is refused as soon as its header arrives (MQTT 5: CONNACK 0x95) and counted.",
    }),
    packet_timeout: Duration.pipe(z.number().positive()).prefault("30s").meta({
      description:
        "How long one packet may take from its first byte to its last; a client still sending one after this is disconnected and counted (a slow sender holding the broker's memory).",
    }),
    max_clients: z.number().int().positive().default(1000).meta({
      description:
        "Connections beyond this many clients, those still logging in included, are refused (CONNACK 3 server unavailable; MQTT 5: 0x97 quota exceeded) and counted.",
    }),
    persistence: Persistence,
    bridges: z
      .array(BridgeConfig)
      .default([])
      .superRefine((bridges, ctx) => {
        const seen = new Set<string>();
        bridges.forEach((b, i) => {
          if (seen.has(b.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `a bridge named "${b.name}" already exists; names must be unique` });
          seen.add(b.name);
        });
      })
      .meta({ description: "Links to other brokers, each subscribing there and/or forwarding from here." }),
  })
  .meta({ description: "The house's MQTT broker, embedded in Hearth." });

export type MqttConfig = z.output<typeof MqttConfig>;
export type PersistenceConfig = MqttConfig["persistence"];
export type TlsListenerConfig = NonNullable<MqttConfig["tls"]>;
export type WebSocketListenerConfig = NonNullable<MqttConfig["websocket"]>;
