import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { outOfSpace } from "../kit/disk-full.js";
import { HearthError, describeError } from "../kit/errors.js";

export type Db = Database.Database;

/**
 * One part of Hearth's schema in the store: its tables and how they evolved. Each part (points
 * and the outbox, monitor state, the notification outbox…) keeps its own version, so parts can
 * add tables and columns independently; a step is never edited once released, only appended.
 */
export interface Migrations {
  /** A stable name: the row in `schema_versions` that records how far this part has migrated. */
  component: string;
  /** Step N brings the component from version N to N+1. */
  steps: readonly ((db: Db) => void)[];
}

/** The layout of `schema_versions` itself, in `PRAGMA user_version`. */
const LAYOUT_VERSION = 1;

/** How a store was opened. */
interface Opened {
  db: Db;
  /**
   * Set when the file could not be opened for writing (a full disk) and was opened for reading
   * alone, with the reason. Writes then fail and are retried; no other connection may open it.
   */
  readOnlyBecause: string | undefined;
  /**
   * Set when the file did not exist yet and could not be created (a full disk): the store is a
   * database in memory, with the reason. The file is created at the next start once there is space.
   */
  inMemoryBecause: string | undefined;
}

/**
 * Opens (or creates) the store's SQLite file. WAL lets readers (/api/series) run beside the
 * writer; synchronous=FULL makes every committed flush survive a power cut as well as a crash,
 * which costs one fsync per flush interval. https://www.sqlite.org/wal.html,
 * https://www.sqlite.org/pragma.html#pragma_synchronous
 */
export function openDatabase(file: string): Db {
  return open(file, false);
}

/**
 * Like `openDatabase`, but a store that exists and cannot be opened for lack of space (WAL needs
 * its -shm index file, https://www.sqlite.org/walformat.html#shm) is opened again in exclusive
 * locking mode, where WAL keeps that index in memory instead ("If EXCLUSIVE locking mode is set
 * prior to the first WAL-mode database access, then SQLite never attempts to call any of the
 * shared-memory methods", https://www.sqlite.org/wal.html#noshm). It can then be read, and its
 * writes fail (and are held) until space returns: a hub on a full disk starts instead of exiting.
 */
export function openDatabaseOrReadOnly(file: string): Opened {
  try {
    return { db: open(file, false), readOnlyBecause: undefined, inMemoryBecause: undefined };
  } catch (err) {
    const cause = err instanceof HearthError ? err.cause : undefined;
    if (!outOfSpace(cause)) throw err;
    if (hasData(file)) return { db: open(file, true), readOnlyBecause: describeError(cause), inMemoryBecause: undefined };
    // Never created, and no room to create it: the empty files SQLite left go, so the next start creates the store afresh.
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (!hasData(f)) fs.rmSync(f, { force: true });
    return { db: open(":memory:", false), readOnlyBecause: undefined, inMemoryBecause: describeError(cause) };
  }
}

function hasData(file: string): boolean {
  try {
    return fs.statSync(file).size > 0;
  } catch {
    return false;
  }
}

function open(file: string, exclusive: boolean): Db {
  let db: Db | undefined;
  try {
    if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true });
    db = new Database(file);
    if (exclusive) db.pragma("locking_mode = EXCLUSIVE");
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("busy_timeout = 5000");
    // better-sqlite3 builds SQLite with a 16 MB page cache per connection, which fills as the file
    // grows and shows as RSS creeping up for hours. Flushes append at the right edge of the table and
    // the drains read what was just written, so 4 MB keeps the pages in use hot.
    // https://www.sqlite.org/pragma.html#pragma_cache_size (negative: KiB)
    db.pragma("cache_size = -4000");
    // After a checkpoint the WAL file is truncated to this size, so it cannot outgrow the bound for long.
    db.pragma("journal_size_limit = 4194304");
    const layout = db.pragma("user_version", { simple: true }) as number;
    if (layout > LAYOUT_VERSION) throw newer(file, `layout ${layout}`);
    // Written only when it changes: opening a current store writes nothing, so it opens on a full disk.
    if (layout < LAYOUT_VERSION) {
      db.exec("CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL, migrated_at INTEGER NOT NULL)");
      db.pragma(`user_version = ${LAYOUT_VERSION}`);
    }
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof HearthError) throw err;
    throw new HearthError("HEARTH_E_STORE_OPEN_FAILED", `The local store ${file} cannot be opened: ${describeError(err)}`, { cause: err });
  }
}

const newer = (file: string, what: string) =>
  new HearthError(
    "HEARTH_E_STORE_NEWER",
    `The local store ${file} was written by a newer Hearth (${what}); upgrade Hearth, or point storage.dir at another directory`,
  );

/** Brings one component's tables up to date, each step in its own transaction. Returns the version reached. */
export function migrate(db: Db, m: Migrations, file: string, now = Date.now()): number {
  const row = db.prepare("SELECT version FROM schema_versions WHERE component = ?").get(m.component) as { version: number } | undefined;
  const current = row?.version ?? 0;
  if (current > m.steps.length) throw newer(file, `${m.component} version ${current}, this Hearth knows ${m.steps.length}`);
  const record = db.prepare(
    "INSERT INTO schema_versions (component, version, migrated_at) VALUES (?, ?, ?) ON CONFLICT (component) DO UPDATE SET version = excluded.version, migrated_at = excluded.migrated_at",
  );
  for (let v = current; v < m.steps.length; v++) {
    db.transaction(() => {
      m.steps[v]!(db);
      record.run(m.component, v + 1, now);
    })();
  }
  return m.steps.length;
}
