import type { Db } from "./database.js";

/** Datadog's rollup aggregators (https://docs.datadoghq.com/dashboards/functions/rollup/). */
export const ROLLUP_FUNCTIONS = ["avg", "sum", "min", "max", "count"] as const;
export type RollupFunction = (typeof ROLLUP_FUNCTIONS)[number];

interface RollupQuery {
  /** A metric name, or a prefix ending in `*`, or `*`. */
  metric: string;
  tags: readonly string[];
  from: number;
  until: number;
  fn: RollupFunction;
  /** Milliseconds per bucket; buckets start at multiples of it since the epoch, as Datadog aligns them. */
  intervalMs: number;
  /** The most series to return. */
  maxSeries: number;
  /** Keeps only the series whose tags it accepts (a dashboard query's filters), before any point is read. */
  accept?: (tags: readonly string[]) => boolean;
}

interface RolledSeries {
  metric: string;
  tags: string[];
  unit: string | undefined;
  /** `[bucket start in ms, value]`, oldest first; buckets without points are left out. */
  points: [number, number][];
}

/** Bucket widths a chart reads well, in seconds: the rollup interval is rounded up to one of them. */
const STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

/**
 * The rollup interval: the one asked for, widened (as Datadog widens one too small for the time
 * range, https://docs.datadoghq.com/dashboards/functions/rollup/) so the range holds at most
 * `maxPoints` buckets.
 */
export function rollupIntervalMs(spanMs: number, maxPoints: number, askedS: number | undefined): number {
  const needed = spanMs / 1000 / maxPoints;
  if (askedS !== undefined && askedS >= needed) return askedS * 1000;
  const step = STEPS_S.find((x) => x >= needed) ?? Math.ceil(needed / 86400) * 86400;
  return Math.max(step, askedS ?? 0) * 1000;
}

type RawSeries = { id: number; metric: string; tags: string; unit: string | null };

const SQL_OF: Record<RollupFunction, string> = { avg: "avg(value)", sum: "sum(value)", min: "min(value)", max: "max(value)", count: "count(*)" };

/**
 * Read-only rollups of the stored history, computed by SQLite on the (series_id, time) index so
 * a week of 10 s points comes back as a few hundred buckets without crossing into JavaScript
 * point by point.
 */
export class RollupReader {
  private readonly bucketed = new Map<RollupFunction, ReturnType<Db["prepare"]>>();
  private readonly seriesAll;
  private readonly seriesExact;
  private readonly seriesPrefix;

  constructor(private readonly db: Db) {
    this.seriesAll = db.prepare<[], RawSeries>("SELECT id, metric, tags, unit FROM series ORDER BY key");
    this.seriesExact = db.prepare<[string], RawSeries>("SELECT id, metric, tags, unit FROM series WHERE metric = ? ORDER BY key");
    this.seriesPrefix = db.prepare<[string, string], RawSeries>("SELECT id, metric, tags, unit FROM series WHERE metric >= ? AND metric < ? ORDER BY key");
  }

  private statement(fn: RollupFunction) {
    let s = this.bucketed.get(fn);
    if (!s) {
      s = this.db.prepare(
        `SELECT (time / CAST($interval AS INTEGER)) * CAST($interval AS INTEGER) AS t, ${SQL_OF[fn]} AS v FROM points WHERE series_id = $series AND time >= $from AND time <= $until GROUP BY t ORDER BY t`,
      );
      this.bucketed.set(fn, s);
    }
    return s;
  }

  rollup(q: RollupQuery): { series: RolledSeries[]; truncated: boolean } {
    const prefix = q.metric.slice(0, -1);
    const rows =
      q.metric === "*" ? this.seriesAll.all() : q.metric.endsWith("*") ? this.seriesPrefix.all(prefix, `${prefix}\uffff`) : this.seriesExact.all(q.metric);
    const out: RolledSeries[] = [];
    let truncated = false;
    const stmt = this.statement(q.fn);
    for (const raw of rows) {
      const tags = JSON.parse(raw.tags) as string[];
      if (!q.tags.every((t) => tags.includes(t)) || (q.accept && !q.accept(tags))) continue;
      const pts = (
        stmt.all({ interval: Math.max(1, Math.round(q.intervalMs)), series: raw.id, from: q.from, until: q.until }) as { t: number; v: number }[]
      ).map((p): [number, number] => [p.t, p.v]);
      if (pts.length === 0) continue;
      if (out.length >= q.maxSeries) {
        truncated = true;
        break;
      }
      out.push({ metric: raw.metric, tags, unit: raw.unit ?? undefined, points: pts });
    }
    return { series: out, truncated };
  }
}
