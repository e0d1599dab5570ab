import { z } from "zod";
import { AlertsConfig } from "../alerts/schema.js";
import { HomeAssistantConfig } from "../home-assistant/schema.js";
import { HttpConfig } from "../http/schema.js";
import { IntegrationsConfig } from "./integrations.js";
import { MqttConfig } from "../mqtt/schema.js";
import { NotifyConfig } from "../notify/schema.js";
import { DatadogConfig } from "../sinks/datadog/schema.js";
import { DogStatsdConfig } from "../sinks/dogstatsd/schema.js";
import { ForwardConfig } from "../sinks/schema.js";
import { SimulatorConfig } from "../simulator/schema.js";
import { StorageConfig } from "../store/schema.js";
import { Duration, Tags } from "../config-kit/common.js";

/**
 * config/hearth.yaml: the infrastructure (listeners, storage, Datadog, notifier transports,
 * integration instances). What the homeowner tunes day to day lives in rules/.
 * This schema is the single source of truth: types, defaults and the editor's JSON Schema
 * (config/schema/hearth.schema.json) all come from it.
 */

const LogConfig = z
  .strictObject({
    level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    format: z
      .enum(["auto", "json", "pretty"])
      .default("auto")
      .meta({ description: "json: one JSON object per line (containers); pretty: readable lines; auto: pretty on a terminal, JSON otherwise." }),
  })
  .meta({ description: "Logging." });

const PipelineConfig = z
  .strictObject({
    flush_interval: Duration.prefault("10s").meta({
      description: "How often samples are aggregated per series and written to the store (Datadog's own flush interval is 10s).",
    }),
    max_payload_bytes: z.number().int().positive().default(262_144).meta({ description: "Payloads larger than this are rejected as oversized and counted." }),
  })
  .meta({ description: "Turning messages into samples and points." });

export const HearthConfig = z
  .strictObject({
    version: z.literal(1, { message: "this Hearth understands configuration version 1" }).default(1),
    host: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "The host name sent to Datadog as the host resource; default the OS host name. Set it in containers (HEARTH_HOST)." }),
    host_ip: z.string().optional().meta({ description: "The address shown as {{host.ip}} in alert messages; default the first non-loopback IPv4." }),
    tags: Tags.default([]).meta({ description: 'Global tags on every metric, like the Datadog agent\'s `tags:` ("env:home").' }),
    log: LogConfig.prefault({}),
    mqtt: MqttConfig.prefault({}),
    http: HttpConfig.prefault({}),
    pipeline: PipelineConfig.prefault({}),
    storage: StorageConfig.prefault({}),
    datadog: DatadogConfig.prefault({}),
    dogstatsd: DogStatsdConfig.optional(),
    forward: ForwardConfig.prefault({}),
    simulator: SimulatorConfig.optional(),
    alerts: AlertsConfig.prefault({}),
    notify: NotifyConfig.prefault({}),
    home_assistant: HomeAssistantConfig.prefault({}),
    integrations: IntegrationsConfig,
  })
  .meta({ title: "Hearth configuration", description: "config/hearth.yaml: listeners, storage, Datadog, notifiers and integration instances." });

export type HearthConfig = z.output<typeof HearthConfig>;
