import { formatDuration } from "../config-kit/common.js";
import type { Point } from "../pipeline/aggregate.js";
import type { MetricMonitor } from "./monitor-schema.js";
import { aggregate } from "../query/series.js";
import { FORGET_AFTER_MS, GroupedIntake } from "./grouped-intake.js";
import { parseQuery, type MetricQuery } from "./query.js";
import type { EvaluationInput, MonitorRuntime, Observation } from "./runtime.js";
import { holdFor, levelFor, type Hold, type Thresholds } from "./state.js";

interface GroupData {
  /** [time, value] per flush, in time order, covering only the query's window. */
  entries: [number, number][];
  lastDataAt: number;
  hold: Hold;
}

/**
 * Datadog's metric monitor (docs/datadog-semantics.md §3): the points of the matching series, one
 * value per flush and group (space aggregation), reduced over the window (time aggregation) and
 * compared with the thresholds every evaluation.
 */
export class MetricMonitorRuntime implements MonitorRuntime {
  readonly metric: string;
  readonly fingerprint: string;
  readonly settleMs: number;
  readonly staticVars: Record<string, unknown>;
  private readonly query: MetricQuery;
  private readonly thresholds: Thresholds;
  private readonly noDataMs: number | undefined;
  private readonly forMs: number;
  private readonly groups = new Map<string, GroupData>();
  private readonly intake: GroupedIntake;

  constructor(def: MetricMonitor, host: string) {
    this.query = parseQuery(def.query);
    this.intake = new GroupedIntake(this.query, host);
    this.metric = this.query.metric;
    this.fingerprint = `metric ${this.query.canonical}`;
    this.thresholds = { ...def.thresholds, critical: this.query.threshold };
    // docs/datadog-semantics.md §3.2: no_data_timeframe defaults to twice the evaluation window.
    this.noDataMs = def.notify_no_data ? (def.no_data_timeframe ?? 2 * this.query.windowMs) : undefined;
    this.forMs = def.for ?? 0;
    this.settleMs = Math.max(this.noDataMs ?? 0, this.forMs);
    this.staticVars = {
      threshold: this.thresholds.critical,
      warn_threshold: this.thresholds.warning,
      alert_recovery_threshold: this.thresholds.critical_recovery,
      warn_recovery_threshold: this.thresholds.warning_recovery,
      comparator: this.query.comparator,
      query: def.query,
      metric: this.query.metric,
      no_data_timeframe: this.noDataMs === undefined ? undefined : formatDuration(this.noDataMs),
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
        data = { entries: [], lastDataAt: time, hold: {} };
        this.groups.set(group, data);
      }
      insertInOrder(data.entries, [time, value]);
      data.lastDataAt = Math.max(data.lastDataAt, time);
    }
  }

  evaluate({ now, stateOf }: EvaluationInput): Observation[] {
    const out: Observation[] = [];
    const since = now - this.query.windowMs;
    for (const [group, data] of this.groups) {
      while (data.entries.length > 0 && data.entries[0]![0] <= since) data.entries.shift();
      const values = data.entries.filter(([t]) => t <= now).map(([, v]) => v);
      const current = stateOf(group);
      if (values.length > 0) {
        const value = aggregate(values, this.query.timeAggregation);
        const observed = levelFor(value, this.query.comparator, this.thresholds, current === "NO_DATA" ? "OK" : current);
        out.push({ group, target: holdFor(observed, current, data.hold, now, this.forMs), value, vars: {} });
      } else if (this.noDataMs !== undefined && now - data.lastDataAt >= this.noDataMs) {
        data.hold = {};
        out.push({ group, target: "NO_DATA", value: null, vars: {} });
      } else if (current === "OK" && now - data.lastDataAt >= FORGET_AFTER_MS) {
        this.groups.delete(group);
        out.push({ group, forget: true });
      }
      // Otherwise the window is empty but no-data is off or not yet due: Datadog skips the
      // evaluation and the group keeps its state (docs/datadog-semantics.md §3.3, Trap 12).
    }
    return out;
  }

  snapshot(): unknown {
    return Object.fromEntries(this.groups);
  }

  restore(data: unknown): void {
    for (const [group, g] of Object.entries(data as Record<string, GroupData>))
      this.groups.set(group, { entries: g.entries, lastDataAt: g.lastDataAt, hold: g.hold });
  }
}

/** Points usually arrive in time order; a gauge carrying its own older timestamp is slotted in. */
function insertInOrder(entries: [number, number][], entry: [number, number]): void {
  let i = entries.length;
  while (i > 0 && entries[i - 1]![0] > entry[0]) i--;
  entries.splice(i, 0, entry);
}
