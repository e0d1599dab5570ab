import { z } from "zod";
import { Duration, Name, Secret } from "../../config-kit/common.js";
import { filterProblems } from "../topic.js";
import { reservedProblem } from "../reserved.js";

const MqttFilter = z
  .string()
  .superRefine((s, ctx) => {
    for (const message of filterProblems(s)) ctx.addIssue({ code: "custom", message });
  })
  .meta({ description: "An MQTT topic filter: '+' matches one level, '#' (last) the rest.", examples: ["tele/#", "zigbee2mqtt/+/availability"] });

const Prefix = z
  .string()
  .refine((s) => !s.includes("+") && !s.includes("#"), { message: "a prefix is plain text: no '+' or '#'" })
  .default("");

const BridgeTopic = z
  .strictObject({
    topic: MqttFilter.meta({ description: "The topic filter, written without the prefixes (like the pattern of a Mosquitto `topic` line)." }),
    direction: z
      .enum(["in", "out", "both"])
      .default("in")
      .meta({ description: "in: the remote broker's messages come into Hearth; out: Hearth's messages go to the remote broker; both." }),
    qos: z
      .union([z.literal(0), z.literal(1), z.literal(2)])
      .default(1)
      .meta({
        description:
          "The highest QoS used on the link for these messages. 1 (the default) lets the remote broker keep messages for Hearth while the link is down.",
      }),
    local_prefix: Prefix.meta({
      description: 'Prepended to the topic on Hearth\'s side: with "house/", the remote "tele/plug/SENSOR" arrives as "house/tele/plug/SENSOR".',
    }),
    remote_prefix: Prefix.meta({ description: "Prepended to the topic on the remote broker's side." }),
  })
  .superRefine((t, ctx) => {
    if (t.direction === "out") return;
    const problem = reservedProblem(`${t.local_prefix}${t.topic}`);
    if (problem) ctx.addIssue({ code: "custom", path: ["local_prefix"], message: `messages coming in would land on ${problem}` });
  })
  .meta({
    description:
      "Which messages cross the link and how their topics are rewritten, as a Mosquitto bridge's `topic pattern direction qos local-prefix remote-prefix`.",
  });

const BridgeTls = z
  .strictObject({
    ca: z.string().min(1).optional().meta({ description: "PEM file of the CA that signed the remote broker's certificate (when it is not a public one)." }),
    cert: z.string().min(1).optional().meta({ description: "PEM client certificate, when the remote broker asks for one." }),
    key: z.string().min(1).optional().meta({ description: "PEM key of the client certificate." }),
    reject_unauthorized: z.boolean().default(true).meta({ description: "Refuse a remote certificate that does not verify. Turn off only for a test broker." }),
  })
  .refine((t) => (t.cert === undefined) === (t.key === undefined), { message: "a client certificate needs both cert and key" })
  .meta({ description: "TLS settings for an mqtts:// or wss:// link." });

const URL_SCHEMES = ["mqtt:", "mqtts:", "ws:", "wss:"];

export const BridgeConfig = z
  .strictObject({
    name: Name.meta({ description: "The link's name: shown on /healthz as bridge:<name> and on /metrics as the bridge label." }),
    url: z
      .string()
      .refine(
        (s) => {
          try {
            return URL_SCHEMES.includes(new URL(s).protocol);
          } catch {
            return false;
          }
        },
        { message: "expected a broker URL such as mqtt://192.168.1.10:1883, mqtts://broker:8883 or ws://broker:9001/mqtt" },
      )
      .meta({ description: "The remote broker: mqtt://host:1883, mqtts://host:8883, ws://host:9001/mqtt or wss://…" }),
    client_id: z.string().min(1).optional().meta({
      description: "Client id on the remote broker; default hearth-<host>-<name>. Keep it stable: the remote broker keeps the link's session under it.",
    }),
    username: z.string().min(1).optional().meta({ description: "User name on the remote broker." }),
    password: Secret.optional().meta({ description: "Password on the remote broker: write ${ENV_VAR} or ${file:/path}." }),
    protocol_version: z
      .union([z.literal(4), z.literal(5)])
      // 3.1.1 by default: every broker a house may already run speaks it, and an MQTT 5 CONNECT
      // to a 3.1.1-only broker is refused (MQTT 3.1.1 [MQTT-3.1.2-2]: such a broker answers 0x01 and closes).
      .default(4)
      .meta({
        description:
          "4 (MQTT 3.1.1, the default) works with every broker, old ones included; Hearth then recognises and drops the echoes of its own messages itself. 5 (MQTT 5) carries user properties across the link and asks the remote broker not to echo Hearth's own messages back (no-local).",
      }),
    share_group: z
      .string()
      .regex(/^[^/+#\s]+$/, { message: "a share group name has no '/', '+', '#' or spaces" })
      .optional()
      .meta({
        description:
          "Subscribe to the inbound topics as $share/<group>/<filter> (MQTT 5 shared subscriptions, which Mosquitto 2 and EMQX also grant to 3.1.1 clients): several hubs with the same group split the remote broker's messages, each message reaching one of them.",
      }),
    clean: z.boolean().default(false).meta({
      description: "Start a fresh session on each connection. Off by default, so the remote broker keeps QoS 1 messages for Hearth while the link is down.",
    }),
    keepalive: Duration.prefault("60s").meta({ description: "MQTT keep-alive of the link." }),
    reconnect: z
      .strictObject({
        min: Duration.prefault("1s").meta({ description: "Wait before the first reconnection attempt; doubled after each failure." }),
        max: Duration.prefault("2m").meta({ description: "The longest wait between attempts." }),
      })
      .refine((r) => r.min > 0 && r.min <= r.max, { message: "reconnect.min must be more than 0 and at most reconnect.max" })
      .prefault({})
      .meta({ description: "Reconnection with capped exponential backoff (with ±20 % jitter, so several hubs do not retry in step)." }),
    max_queued_messages: z.number().int().nonnegative().default(1000).meta({
      description:
        "QoS 1 and 2 messages held for the remote broker while the link is down; beyond this they are dropped and counted. QoS 0 messages are not held.",
    }),
    tls: BridgeTls.optional(),
    topics: z.array(BridgeTopic).min(1).meta({ description: "What crosses the link, in which direction, under which prefixes." }),
  })
  .meta({ description: "A link to another broker (the house's Mosquitto, a neighbour's EMQX)." });

export type BridgeConfig = z.output<typeof BridgeConfig>;
export type BridgeTopic = BridgeConfig["topics"][number];
