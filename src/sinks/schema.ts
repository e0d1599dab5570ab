import { z } from "zod";
import { Duration } from "../config-kit/common.js";

/** A metric name pattern: `*` matches any run of characters, dots included (`power.*`, `*.debug`). */
const MetricPattern = z
  .string()
  .regex(/^[A-Za-z0-9_.*]+$/, { message: "a metric pattern holds letters, digits, '_', '.' and '*' (any characters)" })
  .meta({ description: "A metric name; '*' matches any characters: power.*, *.wifi.*, my_metric." });

const Backoff = z
  .strictObject({
    min: Duration.prefault("1s").meta({ description: "The first retry's delay; each further retry doubles it (with jitter)." }),
    max: Duration.prefault("1m").meta({ description: "The longest delay between retries." }),
  })
  .refine((b) => b.min > 0 && b.min <= b.max, { message: "backoff.min must be above 0 and at most backoff.max" })
  .meta({
    description: "Retries of a sink that failed (network errors, timeouts, 408, 429 and 5xx from Datadog; an absent agent): exponential backoff with jitter.",
  });

export const ForwardConfig = z
  .strictObject({
    include: z
      .array(MetricPattern)
      .default(["*"])
      .meta({ description: "Metrics forwarded to the sinks (Datadog's API, DogStatsD). Everything is kept in the local store either way." }),
    exclude: z.array(MetricPattern).default([]).meta({ description: "Metrics never forwarded, even when `include` matches them." }),
    max_series_per_metric: z.number().int().positive().default(200).meta({
      description:
        "Datadog bills per distinct series: at most this many series (tag combinations) of one metric are forwarded per hour; the excess is counted and named in the log.",
    }),
    historical_metrics: z.array(MetricPattern).default([]).meta({
      description: "Metrics with Datadog's Historical Metrics Ingestion turned on: their points are forwarded even when older than Datadog's one-hour window.",
    }),
    backoff: Backoff.prefault({}),
    shutdown_timeout: Duration.prefault("5s").meta({ description: "How long a clean stop waits for the last send to each sink." }),
  })
  .meta({ description: "What the sinks forward, and the cost controls that keep a chatty device from running up the Datadog bill." });

export type ForwardConfig = z.output<typeof ForwardConfig>;
