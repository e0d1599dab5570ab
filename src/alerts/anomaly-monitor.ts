import { basicBand, basicLookbackMs, isAnomalous, type Direction } from "../dashboards/anomalies.js";
import type { Point } from "../pipeline/aggregate.js";
import { parseAnomalyQuery, type AnomalyQuery } from "./anomaly-query.js";
import { defaultIntervalMs } from "./anomaly-schema.js";
import type { AnomalyMonitor } from "./monitor-schema.js";
import { FORGET_AFTER_MS, GroupedIntake } from "./grouped-intake.js";
import { windowMsOf } from "./query.js";
import type { EvaluationInput, MonitorRuntime, Observation } from "./runtime.js";

interface GroupData {
  /** One entry per rollup interval: [interval start, sum, count] of the flushed values, oldest first. */
  buckets: [number, number, number][];
  lastDataAt: number;
}

/**
 * Datadog's anomaly monitor (docs/datadog-semantics.md §3.1, §9) on the hub: the matching series
 * are combined per flush (space aggregation), averaged per rollup interval, and each interval's
 * value is judged against the lagging 'basic' band the status page draws. A group goes to ALERT
 * when the fraction of anomalous points over the trigger window reaches the threshold, and back
 * to OK when the fraction over the recovery window is at most `critical_recovery` (below the
 * threshold when there is none) — Datadog's `threshold_windows` (DOC:content/en/monitors/types/anomaly.md).
 */
export class AnomalyMonitorRuntime implements MonitorRuntime {
  readonly metric: string;
  readonly fingerprint: string;
  readonly settleMs: number;
  readonly staticVars: Record<string, unknown>;
  private readonly query: AnomalyQuery;
  private readonly intervalMs: number;
  private readonly triggerMs: number;
  private readonly recoveryMs: number;
  private readonly lookbackMs: number;
  private readonly recoveryThreshold: number | undefined;
  private readonly groups = new Map<string, GroupData>();
  private readonly intake: GroupedIntake;

  constructor(def: AnomalyMonitor, host: string) {
    this.query = parseAnomalyQuery(def.query);
    this.intake = new GroupedIntake(this.query.scope, host);
    this.metric = this.query.scope.metric;
    // The schema has checked both windows.
    this.triggerMs = windowMsOf(def.threshold_windows.trigger_window) as number;
    this.recoveryMs = windowMsOf(def.threshold_windows.recovery_window) as number;
    this.intervalMs = this.query.intervalSeconds !== undefined ? this.query.intervalSeconds * 1000 : defaultIntervalMs(this.triggerMs);
    this.lookbackMs = basicLookbackMs(this.intervalMs);
    this.recoveryThreshold = def.thresholds.critical_recovery;
    this.fingerprint = `anomaly ${this.query.canonical} trigger ${def.threshold_windows.trigger_window} recovery ${def.threshold_windows.recovery_window} ${this.recoveryThreshold ?? ""}`;
    this.settleMs = Math.max(this.triggerMs, this.recoveryMs) + this.intervalMs;
    this.staticVars = {
      threshold: this.query.threshold,
      alert_recovery_threshold: this.recoveryThreshold,
      query: def.query,
      metric: this.metric,
      trigger_window: def.threshold_windows.trigger_window,
      recovery_window: def.threshold_windows.recovery_window,
    };
  }

  scopeTags(group: string): string[] {
    return this.intake.scopeTags(group);
  }

  accept(p: Point): void {
    this.intake.accept(p);
  }

  endBatch(): void {
    for (const { group, time, value } of this.intake.endBatch()) {
      let data = this.groups.get(group);
      if (!data) {
        data = { buckets: [], lastDataAt: time };
        this.groups.set(group, data);
      }
      addToBucket(data.buckets, Math.floor(time / this.intervalMs) * this.intervalMs, value);
      data.lastDataAt = Math.max(data.lastDataAt, time);
    }
  }

  evaluate({ now, stateOf }: EvaluationInput): Observation[] {
    const out: Observation[] = [];
    // The band of the oldest point in a window reaches back one lookback further.
    const keepFrom = now - Math.max(this.triggerMs, this.recoveryMs) - this.lookbackMs - this.intervalMs;
    for (const [group, data] of this.groups) {
      while (data.buckets.length > 0 && data.buckets[0]![0] < keepFrom) data.buckets.shift();
      // Only finished intervals are judged: a half-filled one would be an average of a part.
      const points = data.buckets.filter(([start]) => start + this.intervalMs <= now).map(([start, sum, count]) => [start, sum / count] as const);
      const band = basicBand(points, { bounds: this.query.bounds, lookbackMs: this.lookbackMs });
      const current = stateOf(group);
      const alerting = current === "ALERT";
      const fraction = anomalousFraction(band, now - (alerting ? this.recoveryMs : this.triggerMs), this.query.direction);
      if (fraction === undefined) {
        if (current === "OK" && now - data.lastDataAt >= FORGET_AFTER_MS) {
          this.groups.delete(group);
          out.push({ group, forget: true });
        }
        // No point in the window: Datadog skips the evaluation and the group keeps its state (§3.3).
        continue;
      }
      const target = alerting ? (this.recovered(fraction) ? "OK" : "ALERT") : fraction >= this.query.threshold ? "ALERT" : "OK";
      out.push({ group, target, value: fraction, vars: {} });
    }
    return out;
  }

  /** "a warning_recovery value of 0 means that the monitor recovers … only when 0% of the points in the recovery_window are anomalous" (DOC:content/en/monitors/types/anomaly.md). */
  private recovered(fraction: number): boolean {
    return this.recoveryThreshold !== undefined ? fraction <= this.recoveryThreshold : fraction < this.query.threshold;
  }

  snapshot(): unknown {
    return Object.fromEntries(this.groups);
  }

  restore(data: unknown): void {
    for (const [group, g] of Object.entries(data as Record<string, GroupData>)) this.groups.set(group, { buckets: g.buckets, lastDataAt: g.lastDataAt });
  }
}

/** The share of points from `since` on that lie outside their band; undefined when there are none. */
function anomalousFraction(band: ReturnType<typeof basicBand>, since: number, direction: Direction): number | undefined {
  const inWindow = band.filter((p) => p.t >= since);
  if (inWindow.length === 0) return undefined;
  return inWindow.filter((p) => isAnomalous(p, direction)).length / inWindow.length;
}

/** Adds a value to its interval's bucket, keeping the buckets in time order (a gauge may carry an older time). */
function addToBucket(buckets: [number, number, number][], start: number, value: number): void {
  let i = buckets.length;
  while (i > 0 && buckets[i - 1]![0] > start) i--;
  const at = buckets[i - 1];
  if (at && at[0] === start) {
    at[1] += value;
    at[2] += 1;
  } else buckets.splice(i, 0, [start, value, 1]);
}
