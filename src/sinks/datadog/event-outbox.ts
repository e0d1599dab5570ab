import type { Db, Migrations } from "../../store/database.js";
import type { DatadogEventBody } from "./event-body.js";

/**
 * Datadog events waiting to be sent, in the local store: an event is a row from the moment the
 * engine decides it, and leaves once Datadog took it (202), refused it for good (400), or it grew
 * older than Datadog accepts; so a restart or an outage neither loses nor reorders them.
 */
export const DATADOG_EVENT_MIGRATIONS: Migrations = {
  component: "datadog_events",
  steps: [
    (db) =>
      db.exec(`
        CREATE TABLE datadog_events (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          at INTEGER NOT NULL,
          body TEXT NOT NULL
        );
      `),
  ],
};

export interface QueuedEvent {
  id: number;
  at: number;
  body: DatadogEventBody;
}

export class EventOutbox {
  private readonly q;

  constructor(db: Db) {
    this.q = {
      add: db.prepare<[number, string]>("INSERT INTO datadog_events (at, body) VALUES (?, ?)"),
      oldest: db.prepare<[number], { id: number; at: number; body: string }>("SELECT id, at, body FROM datadog_events ORDER BY id LIMIT ?"),
      remove: db.prepare<[number]>("DELETE FROM datadog_events WHERE id = ?"),
      expire: db.prepare<[number]>("DELETE FROM datadog_events WHERE at < ?"),
      count: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM datadog_events"),
    };
  }

  add(at: number, body: DatadogEventBody): void {
    this.q.add.run(at, JSON.stringify(body));
  }

  oldest(limit: number): QueuedEvent[] {
    return this.q.oldest.all(limit).map((r) => ({ id: r.id, at: r.at, body: JSON.parse(r.body) as DatadogEventBody }));
  }

  remove(id: number): void {
    this.q.remove.run(id);
  }

  /** Drops what happened before `before`; returns how many. */
  expire(before: number): number {
    return this.q.expire.run(before).changes;
  }

  count(): number {
    return this.q.count.get()!.n;
  }
}
