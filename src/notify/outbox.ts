import type { Db, Migrations } from "../store/database.js";
import type { Priority } from "./message.js";

/**
 * The notification outbox and the alert engine's saved state, in the local store. A notification
 * is a row from the moment it is decided, in the same transaction as the engine state that
 * decided it, so a restart neither loses nor repeats it; it leaves `pending` only once its server
 * accepted it (`sent`), refused it for good (`failed`), or it grew older than notify.max_age
 * (`expired`), or its recipient's channel was removed from the configuration (`dropped`).
 * AUTOINCREMENT keeps ids from ever being reused, so an id names one notification for good
 * (emails carry it in their Message-ID, webhooks in X-Hearth-Delivery).
 */
export const NOTIFY_MIGRATIONS: Migrations = {
  component: "notify",
  steps: [
    (db) =>
      db.exec(`
        CREATE TABLE notifications (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          created_at INTEGER NOT NULL,
          recipient TEXT NOT NULL,
          channel TEXT NOT NULL,
          kind TEXT NOT NULL,
          monitor TEXT,
          grp TEXT,
          state TEXT,
          priority TEXT NOT NULL,
          title TEXT NOT NULL,
          body TEXT NOT NULL,
          status TEXT NOT NULL DEFAULT 'pending',
          attempts INTEGER NOT NULL DEFAULT 0,
          last_error TEXT,
          answer TEXT,
          done_at INTEGER
        );
        CREATE INDEX notifications_pending ON notifications (recipient, channel, id) WHERE status = 'pending';
        CREATE INDEX notifications_done ON notifications (done_at) WHERE status <> 'pending';
        CREATE TABLE alert_state (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          state TEXT NOT NULL,
          saved_at INTEGER NOT NULL
        );
      `),
  ],
};

export type NotificationKind = "alert" | "downtime" | "acknowledgement";
type NotificationStatus = "pending" | "sent" | "failed" | "expired" | "dropped";

export interface NewNotification {
  createdAt: number;
  recipient: string;
  channel: string;
  kind: NotificationKind;
  monitor?: string;
  group?: string;
  state?: string;
  priority: Priority;
  title: string;
  body: string;
}

export interface NotificationRow {
  id: number;
  created_at: number;
  recipient: string;
  channel: string;
  kind: NotificationKind;
  monitor: string | null;
  grp: string | null;
  state: string | null;
  priority: Priority;
  title: string;
  body: string;
  status: NotificationStatus;
  attempts: number;
  last_error: string | null;
  answer: string | null;
  done_at: number | null;
}

interface Lane {
  recipient: string;
  channel: string;
  pending: number;
  oldest: number;
}

export class NotificationOutbox {
  private readonly q;

  constructor(private readonly db: Db) {
    this.q = {
      insert: db.prepare<[number, string, string, string, string | null, string | null, string | null, string, string, string]>(
        "INSERT INTO notifications (created_at, recipient, channel, kind, monitor, grp, state, priority, title, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      head: db.prepare<[string, string], NotificationRow>(
        "SELECT * FROM notifications WHERE status = 'pending' AND recipient = ? AND channel = ? ORDER BY id LIMIT 1",
      ),
      lanes: db.prepare<[], Lane>(
        "SELECT recipient, channel, count(*) AS pending, min(created_at) AS oldest FROM notifications WHERE status = 'pending' GROUP BY recipient, channel",
      ),
      attempt: db.prepare<[string, number]>("UPDATE notifications SET attempts = attempts + 1, last_error = ? WHERE id = ?"),
      finish: db.prepare<[string, string | null, string | null, number, number]>(
        "UPDATE notifications SET status = ?, answer = ?, last_error = coalesce(?, last_error), attempts = attempts + 1, done_at = ? WHERE id = ? AND status = 'pending'",
      ),
      expire: db.prepare<[number, number]>("UPDATE notifications SET status = 'expired', done_at = ? WHERE id = ? AND status = 'pending'"),
      drop: db.prepare<[string, number, number]>(
        "UPDATE notifications SET status = 'dropped', last_error = ?, done_at = ? WHERE id = ? AND status = 'pending'",
      ),
      forget: db.prepare<[number]>("DELETE FROM notifications WHERE status <> 'pending' AND done_at < ?"),
      recent: db.prepare<[number], NotificationRow>("SELECT * FROM notifications ORDER BY id DESC LIMIT ?"),
      saveState: db.prepare<[string, number]>(
        "INSERT INTO alert_state (id, state, saved_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state, saved_at = excluded.saved_at",
      ),
      loadState: db.prepare<[], { state: string }>("SELECT state FROM alert_state WHERE id = 1"),
    };
  }

  /** Writes notifications and the engine state that decided them in one transaction: both or neither. */
  commit(rows: readonly NewNotification[], state: string | undefined, now: number): void {
    this.db.transaction(() => {
      for (const r of rows)
        this.q.insert.run(r.createdAt, r.recipient, r.channel, r.kind, r.monitor ?? null, r.group ?? null, r.state ?? null, r.priority, r.title, r.body);
      if (state !== undefined) this.q.saveState.run(state, now);
    })();
  }

  loadState(): string | undefined {
    return this.q.loadState.get()?.state;
  }

  /** The oldest pending notification of one recipient's channel: the only one that may go out next. */
  head(recipient: string, channel: string): NotificationRow | undefined {
    return this.q.head.get(recipient, channel);
  }

  lanes(): Lane[] {
    return this.q.lanes.all();
  }

  /** A failed attempt that will be retried. */
  failedAttempt(id: number, error: string): void {
    this.q.attempt.run(error, id);
  }

  /** The server accepted (`sent`, with its answer) or refused for good (`failed`, with the error). */
  finish(id: number, status: "sent" | "failed", answer: string | null, error: string | null, now: number): void {
    this.q.finish.run(status, answer, error, now, id);
  }

  expire(id: number, now: number): void {
    this.q.expire.run(now, id);
  }

  drop(id: number, why: string, now: number): void {
    this.q.drop.run(why, now, id);
  }

  /** Removes notifications dealt with before `cutoff` (storage.retention). */
  forgetDoneBefore(cutoff: number): number {
    return this.q.forget.run(cutoff).changes;
  }

  recent(limit: number): NotificationRow[] {
    return this.q.recent.all(limit);
  }
}
