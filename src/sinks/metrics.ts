import type { Counter } from "prom-client";
import type { Telemetry } from "../kit/telemetry.js";
import { WITHHELD_REASONS } from "./policy.js";

/** Delivery counters, labelled by sink, shared by every sink runner. */
export interface SinkMetrics {
  delivered: Counter<"sink">;
  retries: Counter<"sink" | "reason">;
  deadLettered: Counter<"sink">;
  withheld: Counter<"sink" | "reason">;
  /** Shows a sink's counters at 0 from the start, so a dashboard sees them before anything happens. */
  prime(sink: string): void;
}

/** What the gauges read from each running sink when /metrics is scraped. */
interface SinkGaugeSource {
  name: string;
  pending(): number;
  oldestPendingTime(): number | undefined;
  lastSuccessAt: number | undefined;
}

export function createSinkMetrics(telemetry: Telemetry, sinks: () => readonly SinkGaugeSource[], now: () => number): SinkMetrics {
  const metrics: SinkMetrics = {
    delivered: telemetry.counter("sink_points_delivered_total", "Points a sink took (Datadog answered 202; datagrams handed to the agent).", ["sink"]),
    retries: telemetry.counter(
      "sink_retries_total",
      "Failed sends that will be retried, by reason (network, timeout, http_408, http_429, http_5xx, refused).",
      ["sink", "reason"],
    ),
    deadLettered: telemetry.counter(
      "sink_points_dead_lettered_total",
      "Points in batches a sink rejected for good (400), kept in the store's dead_letters table.",
      ["sink"],
    ),
    withheld: telemetry.counter(
      "sink_points_withheld_total",
      "Points kept in the store but not forwarded: excluded (forward.include/exclude), series_cap (forward.max_series_per_metric), too_old/too_new (outside Datadog's window).",
      ["sink", "reason"],
    ),
    prime(sink) {
      metrics.delivered.inc({ sink }, 0);
      metrics.deadLettered.inc({ sink }, 0);
      for (const reason of WITHHELD_REASONS) metrics.withheld.inc({ sink, reason }, 0);
    },
  };
  telemetry.gauge("sink_outbox_points", "Stored points a sink has not dealt with yet.", ["sink"], (g) => {
    g.reset();
    for (const s of sinks()) g.set({ sink: s.name }, s.pending());
  });
  telemetry.gauge("sink_oldest_pending_age_seconds", "Age of the oldest point a sink has not dealt with yet (0 when none waits).", ["sink"], (g) => {
    g.reset();
    for (const s of sinks()) {
      const t = s.oldestPendingTime();
      g.set({ sink: s.name }, t === undefined ? 0 : Math.max(0, (now() - t) / 1000));
    }
  });
  telemetry.gauge("sink_last_success_timestamp_seconds", "When a sink last took points (Unix seconds; absent before the first success).", ["sink"], (g) => {
    g.reset();
    for (const s of sinks()) if (s.lastSuccessAt !== undefined) g.set({ sink: s.name }, s.lastSuccessAt / 1000);
  });
  return metrics;
}
