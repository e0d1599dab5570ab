import type { Clock } from "../kit/clock.js";
import { RateLimitedLog, type Logger } from "../kit/log.js";
import type { StoredPoint } from "../store/points.js";
import type { ForwardConfig } from "./schema.js";

/** Why a stored point is not forwarded (it stays in the local store either way). */
export type Withheld = "excluded" | "series_cap" | "too_old" | "too_new";
export const WITHHELD_REASONS: readonly Withheld[] = ["excluded", "series_cap", "too_old", "too_new"];

/**
 * Datadog's intake drops points more than one hour old or ten minutes ahead unless Historical
 * Metrics Ingestion is on for the metric (SPECv2 `MetricPoint.timestamp`). A minute of margin
 * covers the time a request spends on the way.
 */
const MAX_AGE_MS = 3_600_000 - 60_000;
const MAX_AHEAD_MS = 600_000;
/** Datadog counts custom metrics per hour; the cap uses the same window. */
const CAP_WINDOW_MS = 3_600_000;

/** `power.*`, `*.debug`, `my_metric` → one anchored regular expression. */
export function compilePatterns(patterns: readonly string[]): RegExp {
  const alternatives = patterns.map((p) =>
    p
      .split("*")
      .map((part) => part.replace(/[.]/g, "\\."))
      .join(".*"),
  );
  return new RegExp(`^(?:${alternatives.join("|") || "(?!)"})$`);
}

/**
 * What the sinks may forward: include/exclude patterns, a cap on distinct series per metric (so a
 * device that invents tag values cannot run up the bill), and Datadog's time window. One policy
 * serves every sink, so a series admitted under the cap is admitted everywhere.
 */
export class ForwardPolicy {
  private include!: RegExp;
  private exclude!: RegExp;
  private historical!: RegExp;
  private cap = 0;
  /** Per metric: series key → the time of its latest point. */
  private readonly admitted = new Map<string, Map<string, number>>();
  private readonly refused = new Set<string>();
  private readonly capLog: RateLimitedLog;

  constructor(
    config: ForwardConfig,
    private readonly log: Logger,
    clock: Clock,
  ) {
    this.capLog = new RateLimitedLog(() => clock.now(), 3);
    this.reconfigure(config);
  }

  reconfigure(config: ForwardConfig): void {
    this.include = compilePatterns(config.include);
    this.exclude = compilePatterns(config.exclude);
    this.historical = compilePatterns(config.historical_metrics);
    if (config.max_series_per_metric !== this.cap) this.refused.clear();
    this.cap = config.max_series_per_metric;
  }

  /** Undefined when the point may be forwarded; otherwise why not. */
  check(p: StoredPoint, now: number): Withheld | undefined {
    const metric = p.series.metric;
    if (!this.include.test(metric) || this.exclude.test(metric)) return "excluded";
    if (p.time > now + MAX_AHEAD_MS) return "too_new";
    if (p.time < now - MAX_AGE_MS && !this.historical.test(metric)) return "too_old";
    return this.admit(p) ? undefined : "series_cap";
  }

  private admit(p: StoredPoint): boolean {
    const metric = p.series.metric;
    let seen = this.admitted.get(metric);
    if (!seen) {
      seen = new Map();
      this.admitted.set(metric, seen);
    }
    const last = seen.get(p.series.key);
    if (last !== undefined) {
      if (p.time > last) seen.set(p.series.key, p.time);
      return true;
    }
    if (seen.size >= this.cap) {
      for (const [key, t] of seen) if (t < p.time - CAP_WINDOW_MS) seen.delete(key);
    }
    if (seen.size < this.cap) {
      seen.set(p.series.key, p.time);
      this.refused.delete(p.series.key);
      return true;
    }
    this.noteRefused(p);
    return false;
  }

  private noteRefused(p: StoredPoint): void {
    const { key, metric, tags } = p.series;
    if (this.refused.has(key)) return;
    // Each refused series is named once; a device inventing tag values cannot grow this without end.
    if (this.refused.size >= 10_000) this.refused.clear();
    this.refused.add(key);
    const gate = this.capLog.allow(metric);
    if (gate.suppressed > 0)
      this.log.warn(
        { code: "HEARTH_E_SERIES_CAP", metric, suppressed: gate.suppressed },
        `More series of ${metric} were refused by the cap in the last minute`,
      );
    if (gate.ok)
      this.log.warn(
        { code: "HEARTH_E_SERIES_CAP", metric, tags, cap: this.cap },
        `${metric} has ${this.cap} series in the last hour (forward.max_series_per_metric): not forwarding ${metric}{${tags.join(",")}}`,
      );
  }
}
