import type { Db, Migrations } from "./database.js";
import type { Point } from "../pipeline/aggregate.js";
import type { StoredPoint } from "./points.js";

/** The `sink` of a dead letter the store itself set aside: a point that could not be written. */
const STORE_DEAD_LETTER = "store";

/**
 * Delivery state: one cursor per sink (the id of the last point it has dealt with, so every
 * sink drains the store independently and in order) and the batches a sink refused for good.
 */
export const SINK_DELIVERY_MIGRATIONS: Migrations = {
  // The component name is the key of its migrations already applied in existing stores.
  component: "outbox",
  steps: [
    (db) =>
      db.exec(`
        CREATE TABLE sink_cursors (
          sink TEXT PRIMARY KEY,
          last_id INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
        CREATE TABLE dead_letters (
          id INTEGER PRIMARY KEY,
          sink TEXT NOT NULL,
          at INTEGER NOT NULL,
          status INTEGER NOT NULL,
          errors TEXT NOT NULL,
          count INTEGER NOT NULL,
          points TEXT NOT NULL
        );
      `),
  ],
};

export class SinkDeliveryState {
  private readonly q;

  constructor(db: Db) {
    this.q = {
      cursor: db.prepare<[string], { last_id: number }>("SELECT last_id FROM sink_cursors WHERE sink = ?"),
      setCursor: db.prepare<[string, number, number]>(
        "INSERT INTO sink_cursors (sink, last_id, updated_at) VALUES (?, ?, ?) ON CONFLICT (sink) DO UPDATE SET last_id = max(last_id, excluded.last_id), updated_at = excluded.updated_at",
      ),
      deadLetter: db.prepare<[string, number, number, string, number, string]>(
        "INSERT INTO dead_letters (sink, at, status, errors, count, points) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      expireDeadLetters: db.prepare<[number]>("DELETE FROM dead_letters WHERE at < ?"),
    };
  }

  cursor(sink: string): number | undefined {
    return this.q.cursor.get(sink)?.last_id;
  }

  /** Moves a sink's cursor forward (never back) to `lastId`. */
  advance(sink: string, lastId: number, now: number): void {
    this.q.setCursor.run(sink, lastId, now);
  }

  /** Sets a batch aside for good: the points as JSON (metric, tags, type, time, value), with the errors given. */
  deadLetter(sink: string, at: number, status: number, errors: readonly string[], points: readonly StoredPoint[]): number {
    const body = points.map((p) => ({ metric: p.series.metric, tags: p.series.tags, type: p.type, time: p.time, value: p.value }));
    return Number(this.q.deadLetter.run(sink, at, status, JSON.stringify(errors), points.length, JSON.stringify(body)).lastInsertRowid);
  }

  /** Sets aside points the store could not write, as one dead letter with the reason (status 0: no request was made). */
  setAside(at: number, errors: readonly string[], points: readonly Point[]): number {
    const body = points.map((p) => ({ metric: p.metric, tags: p.tags, type: p.type, time: p.time, value: String(p.value) }));
    return Number(this.q.deadLetter.run(STORE_DEAD_LETTER, at, 0, JSON.stringify(errors), points.length, JSON.stringify(body)).lastInsertRowid);
  }

  expireDeadLetters(before: number): number {
    return this.q.expireDeadLetters.run(before).changes;
  }
}
