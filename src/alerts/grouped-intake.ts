import type { Point } from "../pipeline/aggregate.js";
import { aggregate, groupOf } from "../query/series.js";
import { matchesFilters, type MetricScope } from "./query.js";

/** A group silent this long while OK is dropped (Datadog drops multi-alert groups that stop reporting, docs/datadog-semantics.md §3.3). */
export const FORGET_AFTER_MS = 86_400_000;
/** At most this many series keys are remembered as matching or not; past it the cache starts over. */
const SERIES_CACHE_LIMIT = 20_000;

/** One group's points of one flush, combined by the scope's space aggregation, at the latest of their times. */
export interface FlushedValue {
  group: string;
  time: number;
  value: number;
}

/**
 * How the metric and anomaly monitors take their points: a point of a series the scope matches
 * goes to its group (each series' group is remembered), and the points of one flush are combined
 * per group (space aggregation) when the flush ends. What each monitor keeps of the values differs.
 */
export class GroupedIntake {
  private readonly seriesGroup = new Map<string, string | null>();
  private readonly batch = new Map<string, { values: number[]; time: number }>();

  constructor(
    private readonly scope: MetricScope,
    private readonly host: string,
  ) {}

  /** Tags describing a group, for calendar scopes: the scope's exact filters and the group's own tags. */
  scopeTags(group: string): string[] {
    const fromQuery = this.scope.filters.filter((f) => !f.negated && !f.pattern).map((f) => `${f.key}:${f.value}`);
    return group === "*" ? fromQuery : [...fromQuery, ...group.split(",")];
  }

  accept(p: Point): void {
    let group = this.seriesGroup.get(p.key);
    if (group === undefined) {
      group = matchesFilters(p.tags, this.scope.filters, this.host) ? (groupOf(p.tags, this.scope.groupBy, this.host) ?? null) : null;
      if (this.seriesGroup.size >= SERIES_CACHE_LIMIT) this.seriesGroup.clear();
      this.seriesGroup.set(p.key, group);
    }
    if (group === null) return;
    const b = this.batch.get(group);
    if (b) {
      b.values.push(p.value);
      b.time = Math.max(b.time, p.time);
    } else this.batch.set(group, { values: [p.value], time: p.time });
  }

  /** The flush's value of every group that had points, and a fresh start for the next flush. */
  endBatch(): FlushedValue[] {
    const values = [...this.batch].map(([group, b]) => ({ group, time: b.time, value: aggregate(b.values, this.scope.spaceAggregation) }));
    this.batch.clear();
    return values;
  }
}
