import type { Point } from "../pipeline/aggregate.js";
import type { Db, Migrations } from "./database.js";

/** Datadog's intake type enum (SPECv2 `MetricIntakeType`), also how the store keeps a point's type. */
export const INTAKE_TYPE = { count: 1, rate: 2, gauge: 3 } as const satisfies Record<Point["type"], number>;
const TYPE_OF: Record<number, Point["type"]> = { 1: "count", 2: "rate", 3: "gauge" };

/**
 * Series and points. A point's id is the order it was written in, which is the order every sink
 * delivers in; AUTOINCREMENT guarantees an id is never handed out twice, even after the newest
 * rows were trimmed, so a sink's cursor can never skip a point written later.
 * `flushes` remembers the last id of every flush, so retention removes whole flushes by the time
 * they were written with a range delete instead of scanning every point's time.
 */
export const POINT_MIGRATIONS: Migrations = {
  component: "points",
  steps: [
    (db) =>
      db.exec(`
        CREATE TABLE series (
          id INTEGER PRIMARY KEY,
          key TEXT NOT NULL UNIQUE,
          metric TEXT NOT NULL,
          tags TEXT NOT NULL,
          unit TEXT
        );
        CREATE INDEX series_by_metric ON series (metric);
        CREATE TABLE points (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          series_id INTEGER NOT NULL,
          time INTEGER NOT NULL,
          value REAL NOT NULL,
          type INTEGER NOT NULL,
          interval INTEGER NOT NULL
        );
        CREATE INDEX points_by_series_time ON points (series_id, time);
        CREATE TABLE flushes (
          last_id INTEGER PRIMARY KEY,
          at INTEGER NOT NULL
        );
      `),
  ],
};

interface SeriesRow {
  id: number;
  key: string;
  metric: string;
  tags: string[];
  unit: string | undefined;
}

/** A point as it was stored, with its series and its place in the delivery order. */
export interface StoredPoint {
  id: number;
  series: SeriesRow;
  type: Point["type"];
  /** Milliseconds since the epoch. */
  time: number;
  value: number;
  /** Milliseconds: the flush interval the point covers (Datadog needs it for counts and rates). */
  interval: number;
}

interface HistoryQuery {
  /** A metric name, or a prefix ending in `*`. */
  metric: string;
  /** Every one of these tags must be on a series. */
  tags: readonly string[];
  from: number;
  until: number;
  /** The most points to return across all series. */
  limit: number;
}

interface HistorySeries {
  metric: string;
  tags: string[];
  unit: string | undefined;
  type: Point["type"];
  /** `[time in ms, value]`, oldest first. */
  points: [number, number][];
}

/** Why the store set a point aside instead of writing it. */
export type SetAsideReason = "not_finite" | "write_error";
export const SET_ASIDE_REASONS: readonly SetAsideReason[] = ["not_finite", "write_error"];

interface SetAside {
  point: Point;
  reason: SetAsideReason;
  detail: string;
}

interface AppendResult {
  /** The id of the last point written, if any was. */
  last: number | undefined;
  written: number;
  /** Points left out of the flush, each with why. */
  setAside: SetAside[];
}

/**
 * Errors that belong to one point, after which SQLite keeps the transaction open: a constraint
 * (NOT NULL on a value SQLite reads as NULL), a type mismatch, a value too big, or a parameter
 * better-sqlite3 cannot bind. https://www.sqlite.org/rescode.html, https://www.sqlite.org/lang_conflict.html
 * (ABORT: "the current SQL statement is aborted … the transaction remains active").
 */
function pointLevel(err: unknown): boolean {
  if (err instanceof TypeError || err instanceof RangeError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return (
    typeof code === "string" && (code.startsWith("SQLITE_CONSTRAINT") || code === "SQLITE_MISMATCH" || code === "SQLITE_TOOBIG" || code === "SQLITE_RANGE")
  );
}

type RawPoint = { id: number; series_id: number; time: number; value: number; type: number; interval: number };
type RawSeries = { id: number; key: string; metric: string; tags: string; unit: string | null };

const toSeries = (r: RawSeries): SeriesRow => ({ id: r.id, key: r.key, metric: r.metric, tags: JSON.parse(r.tags) as string[], unit: r.unit ?? undefined });

/** Reads and writes series and points. Synchronous (better-sqlite3): every call is short. */
export class PointTable {
  private readonly byKey = new Map<string, SeriesRow>();
  private readonly byId = new Map<number, SeriesRow>();
  private readonly q;

  constructor(private readonly db: Db) {
    this.q = {
      upsertSeries: db.prepare<[string, string, string, string | null], { id: number }>(
        "INSERT INTO series (key, metric, tags, unit) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET unit = excluded.unit RETURNING id",
      ),
      seriesById: db.prepare<[number], RawSeries>("SELECT id, key, metric, tags, unit FROM series WHERE id = ?"),
      insertPoint: db.prepare<[number, number, number, number, number]>("INSERT INTO points (series_id, time, value, type, interval) VALUES (?, ?, ?, ?, ?)"),
      insertFlush: db.prepare<[number, number]>("INSERT OR REPLACE INTO flushes (last_id, at) VALUES (?, ?)"),
      readAfter: db.prepare<[number, number], RawPoint>("SELECT id, series_id, time, value, type, interval FROM points WHERE id > ? ORDER BY id LIMIT ?"),
      bounds: db.prepare<[], { first: number | null; last: number | null }>("SELECT min(id) AS first, max(id) AS last FROM points"),
      firstAfter: db.prepare<[number], { time: number }>("SELECT time FROM points WHERE id > ? ORDER BY id LIMIT 1"),
      deleteThrough: db.prepare<[number]>("DELETE FROM points WHERE id <= ?"),
      deleteFlushesThrough: db.prepare<[number]>("DELETE FROM flushes WHERE last_id <= ?"),
      lastFlushBefore: db.prepare<[number], { last_id: number }>("SELECT last_id FROM flushes WHERE at < ? ORDER BY last_id DESC LIMIT 1"),
      orphanSeries: db.prepare("DELETE FROM series WHERE NOT EXISTS (SELECT 1 FROM points WHERE points.series_id = series.id)"),
      seriesExact: db.prepare<[string], RawSeries>("SELECT id, key, metric, tags, unit FROM series WHERE metric = ? ORDER BY key"),
      seriesPrefix: db.prepare<[string, string], RawSeries>("SELECT id, key, metric, tags, unit FROM series WHERE metric >= ? AND metric < ? ORDER BY key"),
      seriesAll: db.prepare<[], RawSeries>("SELECT id, key, metric, tags, unit FROM series ORDER BY key"),
      history: db.prepare<[number, number, number, number], { time: number; value: number; type: number }>(
        "SELECT time, value, type FROM points WHERE series_id = ? AND time >= ? AND time <= ? ORDER BY time LIMIT ?",
      ),
    };
  }

  /**
   * Writes one flush's points in one transaction. A point that cannot be written (a non-finite
   * value or time, or one SQLite refuses on its own: a constraint, a value it cannot bind) is
   * left out and returned with its reason, so one bad point never stops the rest of its flush
   * or any later one. Any other failure (a full disk, an I/O error) rolls the whole flush back
   * and is thrown: the caller holds the points and tries again.
   */
  append(points: readonly Point[], at: number): AppendResult {
    const result: AppendResult = { last: undefined, written: 0, setAside: [] };
    if (points.length === 0) return result;
    let last = 0;
    try {
      this.db.transaction(() => {
        for (const p of points) {
          if (!Number.isFinite(p.value) || !Number.isFinite(p.time) || !Number.isFinite(p.interval)) {
            result.setAside.push({ point: p, reason: "not_finite", detail: `value ${p.value}, time ${p.time}, interval ${p.interval}` });
            continue;
          }
          try {
            const series = this.seriesFor(p);
            last = Number(this.q.insertPoint.run(series.id, Math.round(p.time), p.value, INTAKE_TYPE[p.type], Math.round(p.interval)).lastInsertRowid);
            result.written++;
          } catch (err) {
            if (!pointLevel(err) || !this.db.inTransaction) throw err;
            this.byKey.delete(p.key);
            result.setAside.push({ point: p, reason: "write_error", detail: err instanceof Error ? err.message : String(err) });
          }
        }
        if (last > 0) this.q.insertFlush.run(last, at);
      })();
    } catch (err) {
      // The transaction was rolled back, series rows created in it included: forget their ids.
      this.forgetCaches();
      throw err;
    }
    result.last = last > 0 ? last : undefined;
    return result;
  }

  /** The series rows this connection remembers may be gone (rolled back, or removed by another connection). */
  forgetCaches(): void {
    this.byKey.clear();
    this.byId.clear();
  }

  private seriesFor(p: Point): SeriesRow {
    const known = this.byKey.get(p.key);
    if (known && known.unit === p.unit) return known;
    const id = this.q.upsertSeries.get(p.key, p.metric, JSON.stringify(p.tags), p.unit ?? null)!.id;
    const row: SeriesRow = { id, key: p.key, metric: p.metric, tags: p.tags, unit: p.unit };
    this.byKey.set(p.key, row);
    this.byId.set(id, row);
    return row;
  }

  private series(id: number): SeriesRow {
    let row = this.byId.get(id);
    if (!row) {
      row = toSeries(this.q.seriesById.get(id)!);
      this.byId.set(id, row);
    }
    return row;
  }

  /** The next points in delivery order after `afterId`. */
  readAfter(afterId: number, limit: number): StoredPoint[] {
    return this.q.readAfter
      .all(afterId, limit)
      .map((r) => ({ id: r.id, series: this.series(r.series_id), type: TYPE_OF[r.type]!, time: r.time, value: r.value, interval: r.interval }));
  }

  /** The oldest and newest point ids held (0 and 0 when empty). */
  bounds(): { first: number; last: number } {
    const b = this.q.bounds.get()!;
    return { first: b.first ?? 0, last: b.last ?? 0 };
  }

  /**
   * How many points come after `afterId`. Points are only ever appended at the newest end and
   * removed from the oldest end, so the ids held are one unbroken range and this is arithmetic,
   * not a count over a backlog of millions.
   */
  countAfter(afterId: number): number {
    const { first, last } = this.bounds();
    return last === 0 ? 0 : Math.max(0, last - Math.max(afterId, first - 1));
  }

  /** The time of the oldest point after `afterId`, if there is one. */
  oldestTimeAfter(afterId: number): number | undefined {
    return this.q.firstAfter.get(afterId)?.time;
  }

  /** The last point id of the newest flush written before `cutoff`, if any: everything up to it is older. */
  lastIdWrittenBefore(cutoff: number): number | undefined {
    return this.q.lastFlushBefore.get(cutoff)?.last_id;
  }

  /** Deletes every point with an id up to `id`; returns how many went. */
  deleteThrough(id: number): number {
    let removed = 0;
    this.db.transaction(() => {
      removed = this.q.deleteThrough.run(id).changes;
      this.q.deleteFlushesThrough.run(id);
    })();
    return removed;
  }

  /** Forgets series that no longer have any point. */
  forgetEmptySeries(): number {
    const removed = this.q.orphanSeries.run().changes;
    if (removed > 0) this.forgetCaches();
    return removed;
  }

  /** Points of the matching series from `from` to `until`, both included. */
  history(q: HistoryQuery): { series: HistorySeries[]; truncated: boolean } {
    const rows =
      q.metric === "*"
        ? this.q.seriesAll.all()
        : q.metric.endsWith("*")
          ? this.q.seriesPrefix.all(q.metric.slice(0, -1), `${q.metric.slice(0, -1)}\uffff`)
          : this.q.seriesExact.all(q.metric);
    const out: HistorySeries[] = [];
    let budget = q.limit;
    let truncated = false;
    for (const raw of rows) {
      const s = toSeries(raw);
      if (!q.tags.every((t) => s.tags.includes(t))) continue;
      if (budget <= 0) {
        truncated = true;
        break;
      }
      const pts = this.q.history.all(s.id, q.from, q.until, budget + 1);
      if (pts.length > budget) {
        truncated = true;
        pts.length = budget;
      }
      if (pts.length === 0) continue;
      budget -= pts.length;
      out.push({ metric: s.metric, tags: s.tags, unit: s.unit, type: TYPE_OF[pts[pts.length - 1]!.type]!, points: pts.map((p) => [p.time, p.value]) });
    }
    return { series: out, truncated };
  }
}
