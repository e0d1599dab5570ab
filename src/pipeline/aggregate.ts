import type { MetricKind, Sample } from "./sample.js";
import type { Series } from "./normalize.js";

/** What leaves the aggregator once per flush interval, per series: what the store keeps and the sinks send. */
export interface Point {
  key: string;
  metric: string;
  tags: string[];
  /** Datadog's intake types: gauges, counts (summed), rates (per second). */
  type: "gauge" | "count" | "rate";
  unit: string | undefined;
  /** Milliseconds since the epoch: the end of the flush interval (or the sample's own time for a gauge that carries one). */
  time: number;
  value: number;
  /** The flush interval in milliseconds: Datadog needs it for counts and rates. */
  interval: number;
}

interface SeriesState {
  series: Series;
  kind: MetricKind;
  unit: string | undefined;
  /** A value arrived since the last flush. */
  dirty: boolean;
  /** gauge/rate: last value; count: running sum; monotonic: summed increases. */
  acc: number;
  /** gauge: the time of the last value. */
  time: number;
  /** gauge: the stamped values of this interval that a later value did not replace, oldest first. */
  kept: { value: number; time: number }[];
  /** gauge: the current `acc`/`time` is stamped, so a later value at another time does not replace it. */
  stamped: boolean;
  /** monotonic: the previous raw counter reading. */
  previous: number | undefined;
  lastSample: { value: number; time: number };
  lastPoint: Point | undefined;
  seenAt: number;
}

/** One series as /api/series shows it. */
interface SeriesView {
  metric: string;
  tags: string[];
  kind: MetricKind;
  unit: string | undefined;
  /** The latest sample as it arrived (a raw counter for monotonic series). */
  last: { value: number; time: number };
  /** The latest flushed point, once there is one. */
  point: { value: number; time: number; type: Point["type"] } | undefined;
}

/**
 * Per series and flush interval: gauges keep the last value (and every stamped value before it,
 * each at its own time), counts add up, monotonic counters
 * become a per-second rate of their increases (a reset, where the counter goes down, starts a
 * new baseline instead of making a negative spike).
 */
export class Aggregator {
  private readonly series = new Map<string, SeriesState>();
  private lastFlush: number;

  constructor(
    now: number,
    private readonly idleEvictionMs = 86_400_000,
  ) {
    this.lastFlush = now;
  }

  get size(): number {
    return this.series.size;
  }

  /**
   * Adds a sample; false (and nothing changed) when it is not finite or would make its series
   * so (a count summing past 1e308): Datadog's intake and the store hold finite numbers only.
   */
  add(series: Series, sample: Sample): boolean {
    if (!Number.isFinite(sample.value)) return false;
    let s = this.series.get(series.key);
    if (s && s.kind === sample.kind && !this.staysFinite(s, sample.value)) return false;
    if (!s || s.kind !== sample.kind) {
      s = {
        series,
        kind: sample.kind,
        unit: sample.unit,
        dirty: false,
        acc: 0,
        time: sample.time,
        kept: [],
        stamped: false,
        previous: undefined,
        lastSample: { value: sample.value, time: sample.time },
        lastPoint: undefined,
        seenAt: sample.time,
      };
      this.series.set(series.key, s);
    }
    s.lastSample.value = sample.value;
    s.lastSample.time = sample.time;
    s.seenAt = sample.time;
    if (sample.unit !== undefined) s.unit = sample.unit;
    switch (sample.kind) {
      case "gauge":
        // A stamped value is a point of its own time (Datadog's agent sends each check run as
        // its own point): a later value at another time keeps it rather than replacing it.
        if (s.dirty && s.stamped && sample.time !== s.time) s.kept.push({ value: s.acc, time: s.time });
        s.stamped = sample.stamped === true;
        s.acc = sample.value;
        s.time = sample.time;
        s.dirty = true;
        break;
      case "rate":
        s.acc = sample.value;
        s.time = sample.time;
        s.dirty = true;
        break;
      case "count":
        s.acc = s.dirty ? s.acc + sample.value : sample.value;
        s.dirty = true;
        break;
      case "monotonic":
        if (s.previous !== undefined && sample.value >= s.previous) {
          s.acc = (s.dirty ? s.acc : 0) + (sample.value - s.previous);
          s.dirty = true;
        }
        s.previous = sample.value;
        break;
    }
    return true;
  }

  private staysFinite(s: SeriesState, value: number): boolean {
    if (s.kind === "count") return !s.dirty || Number.isFinite(s.acc + value);
    if (s.kind === "monotonic" && s.previous !== undefined && value >= s.previous) return Number.isFinite((s.dirty ? s.acc : 0) + (value - s.previous));
    return true;
  }

  /** Closes the interval ending at `now` and returns its points. */
  flush(now: number): Point[] {
    const interval = Math.max(1, now - this.lastFlush);
    this.lastFlush = now;
    const points: Point[] = [];
    for (const [key, s] of this.series) {
      if (!s.dirty) {
        if (now - s.seenAt > this.idleEvictionMs) this.series.delete(key);
        continue;
      }
      const type = s.kind === "monotonic" ? "rate" : s.kind;
      const value = s.kind === "monotonic" ? s.acc / (interval / 1000) : s.acc;
      for (const k of s.kept) points.push({ key, metric: s.series.metric, tags: s.series.tags, type, unit: s.unit, time: k.time, value: k.value, interval });
      s.kept = [];
      const p: Point = { key, metric: s.series.metric, tags: s.series.tags, type, unit: s.unit, time: s.kind === "gauge" ? s.time : now, value, interval };
      points.push(p);
      s.lastPoint = p;
      s.dirty = false;
      s.acc = 0;
    }
    return points;
  }

  view(): SeriesView[] {
    return [...this.series.values()].map((s) => ({
      metric: s.series.metric,
      tags: s.series.tags,
      kind: s.kind,
      unit: s.unit,
      last: { ...s.lastSample },
      point: s.lastPoint ? { value: s.lastPoint.value, time: s.lastPoint.time, type: s.lastPoint.type } : undefined,
    }));
  }
}
