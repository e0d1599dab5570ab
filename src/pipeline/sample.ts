/**
 * The unit of data inside Hearth: one number at one time, named and tagged the way Datadog
 * will see it. Everything upstream (MQTT decoding, integrations) produces samples; everything
 * downstream (aggregation, store, sinks, monitors) consumes them.
 */
export type MetricKind = "gauge" | "count" | "rate" | "monotonic";

export interface Sample {
  metric: string;
  value: number;
  /** Datadog-style `key:value` strings. Sorted and normalised once the sample enters the pipeline. */
  tags: string[];
  /** Milliseconds since the epoch. */
  time: number;
  kind: MetricKind;
  unit?: string;
  /** What is not a number: the raw state word (`ON`), a text reading. */
  attrs?: Record<string, string>;
  /**
   * The value is a point of its own time: an integration's collection run, or a device reading
   * whose payload carries its timestamp. A gauge keeps every such value as its own point
   * instead of only the last of the flush interval.
   */
  stamped?: true;
}

/** Why a payload or a field could not become a number. Each reason is a label on `hearth_ingest_rejected_total`. */
export type RejectReason = "not_utf8" | "not_json" | "nan" | "empty" | "oversized" | "wrong_type" | "bad_timestamp" | "out_of_range" | "not_finite";

export const REJECT_REASONS: readonly RejectReason[] = [
  "not_utf8",
  "not_json",
  "nan",
  "empty",
  "oversized",
  "wrong_type",
  "bad_timestamp",
  "out_of_range",
  "not_finite",
];
