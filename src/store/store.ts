import path from "node:path";
import type { Counter } from "prom-client";
import type { Cancel, Clock } from "../clock.js";
import { describeError } from "../errors.js";
import type { Health } from "../health.js";
import { RateLimitedLog, type Logger } from "../log.js";
import type { Point } from "../pipeline/aggregate.js";
import type { Telemetry } from "../telemetry.js";
import { migrate, openDatabase, type Db, type Migrations } from "./database.js";
import { OUTBOX_MIGRATIONS, OutboxTable } from "./outbox.js";
import { POINT_MIGRATIONS, PointTable } from "./points.js";
import type { StorageConfig } from "./schema.js";

export const STORE_FILE = "hearth.db";

/** Points kept in memory while the file cannot be written (a full disk): about half an hour of a large house. */
const MAX_HELD_POINTS = 250_000;
/** Retention removes at most this many points per pass, so a long backlog never stalls the event loop. */
const EXPIRY_CHUNK = 50_000;
const MAINTENANCE_EVERY_MS = 60_000;
/** When the bound is hit, trim to this share of it, so the next flushes do not trim again at once. */
const TRIM_TARGET = 0.9;

/**
 * The local store: every flush's points are written here in one transaction before any network
 * call, and sinks drain it with their own cursors. It is bounded on disk (history that every sink
 * has delivered goes first, then the oldest undelivered points, counted) and keeps history for
 * `storage.retention`. Other parts of Hearth add their own tables with `migrate()`.
 */
export class Store {
  readonly points: PointTable;
  readonly outbox: OutboxTable;
  private config: StorageConfig;
  private held: Point[] = [];
  private failing = false;
  private activeSinks: readonly string[] = [];
  private cancelMaintenance: Cancel | undefined;
  private readonly errorLog: RateLimitedLog;

  private readonly written: Counter;
  private readonly dropped: Counter<"reason">;
  private readonly expired: Counter<"reason">;

  private constructor(
    readonly db: Db,
    readonly file: string,
    config: StorageConfig,
    private readonly clock: Clock,
    private readonly health: Health,
    private readonly log: Logger,
    telemetry: Telemetry,
  ) {
    this.config = config;
    this.errorLog = new RateLimitedLog(() => clock.now(), 1);
    this.migrate(POINT_MIGRATIONS);
    this.migrate(OUTBOX_MIGRATIONS);
    this.points = new PointTable(db);
    this.outbox = new OutboxTable(db);
    this.written = telemetry.counter("store_points_written_total", "Points written to the local store.");
    this.dropped = telemetry.counter("store_points_dropped_total", "Points lost before every sink had them: space (storage.max_bytes), retention, write_failed (the store could not be written for too long).", ["reason"]);
    this.expired = telemetry.counter("store_points_expired_total", "History removed after every sink had it (or with no sink): retention, space.", ["reason"]);
    for (const r of ["space", "retention", "write_failed"]) this.dropped.inc({ reason: r }, 0);
    for (const r of ["space", "retention"]) this.expired.inc({ reason: r }, 0);
    telemetry.gauge("store_bytes", "Bytes the local store's data occupies.", [], (g) => g.set(this.usedBytes()));
    telemetry.gauge("store_points_held", "Points kept in memory because the store could not be written.", [], (g) => g.set(this.held.length));
    this.health.set("store", "ok", { critical: true, info: { file, max_bytes: config.max_bytes } });
  }

  /** Opens `storage.dir/hearth.db`, creating or migrating it; throws HEARTH_E_STORE_OPEN_FAILED or HEARTH_E_STORE_NEWER. */
  static open(config: StorageConfig, clock: Clock, telemetry: Telemetry, health: Health, log: Logger): Store {
    const file = path.resolve(config.dir, STORE_FILE);
    return new Store(openDatabase(file), file, config, clock, health, log, telemetry);
  }

  /** Adds or updates a component's tables (see `Migrations`). */
  migrate(m: Migrations): number {
    return migrate(this.db, m, this.file, this.clock.now());
  }

  start(): void {
    this.maintain();
    this.cancelMaintenance = this.clock.setInterval(() => this.maintain(), MAINTENANCE_EVERY_MS);
  }

  reconfigure(config: StorageConfig): void {
    if (config.dir !== this.config.dir) this.log.warn({ dir: config.dir }, "storage.dir changes apply after a restart");
    this.config = config;
    this.health.set("store", this.failing ? "down" : "ok", { info: { max_bytes: config.max_bytes } });
    this.guarded(() => this.enforceBound());
  }

  /** The sinks whose cursors decide what counts as delivered. */
  setActiveSinks(names: readonly string[]): void {
    this.activeSinks = names;
  }

  /** Writes one flush's points in one transaction. On failure they wait in memory for the next flush. */
  append(points: readonly Point[], at: number): void {
    const batch = this.held.length > 0 ? [...this.held, ...points] : points;
    try {
      this.points.append(batch, at);
    } catch (err) {
      this.hold(batch, err);
      return;
    }
    this.written.inc(batch.length);
    this.held = [];
    if (this.failing) {
      this.failing = false;
      this.log.info({ points: batch.length }, "The local store is writable again; points held in memory were written");
    }
    this.guarded(() => this.enforceBound());
    this.health.set("store", "ok", { info: { bytes: this.usedBytes() } });
  }

  private hold(batch: readonly Point[], err: unknown): void {
    const excess = Math.max(0, batch.length - MAX_HELD_POINTS);
    this.held = batch.slice(excess);
    if (excess > 0) this.dropped.inc({ reason: "write_failed" }, excess);
    this.failing = true;
    const detail = `HEARTH_E_STORE_WRITE_FAILED: cannot write ${this.file}: ${describeError(err)}`;
    this.health.set("store", "down", { detail, info: { code: "HEARTH_E_STORE_WRITE_FAILED", held_points: this.held.length } });
    const gate = this.errorLog.allow("write");
    if (gate.ok)
      this.log.error({ code: "HEARTH_E_STORE_WRITE_FAILED", file: this.file, err: describeError(err), held_points: this.held.length, dropped: excess }, "The local store cannot be written; points are held in memory and written at the next flush");
  }

  /** The id up to which every active sink has dealt with every point: older points are history only. */
  deliveredThrough(): number {
    const { last } = this.points.bounds();
    let through = last;
    for (const sink of this.activeSinks) through = Math.min(through, this.outbox.cursor(sink) ?? 0);
    return through;
  }

  usedBytes(): number {
    const pageSize = this.db.pragma("page_size", { simple: true }) as number;
    const pages = this.db.pragma("page_count", { simple: true }) as number;
    const free = this.db.pragma("freelist_count", { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  /** Keeps the data under `storage.max_bytes`: delivered history first, then the oldest undelivered points. */
  private enforceBound(): void {
    const max = this.config.max_bytes;
    for (let round = 0; round < 8; round++) {
      const used = this.usedBytes();
      if (used <= max) return;
      const { first, last } = this.points.bounds();
      if (last === 0) return;
      const perPoint = used / (last - first + 1);
      let wanted = Math.max(1, Math.ceil((used - max * TRIM_TARGET) / perPoint));
      const delivered = this.deliveredThrough();
      const historyEnd = Math.min(first + wanted - 1, delivered);
      if (historyEnd >= first) {
        const removed = this.points.deleteThrough(historyEnd);
        this.expired.inc({ reason: "space" }, removed);
        wanted -= removed;
      }
      if (wanted > 0) {
        const from = Math.max(first, historyEnd + 1);
        const removed = this.points.deleteThrough(from + wanted - 1);
        this.dropped.inc({ reason: "space" }, removed);
        const gate = this.errorLog.allow("full");
        if (gate.ok)
          this.log.warn(
            { code: "HEARTH_E_STORE_FULL", dropped: removed, max_bytes: max, file: this.file },
            `The local store reached storage.max_bytes: dropped the ${removed} oldest undelivered points`,
          );
      }
    }
  }

  /** Retention: removes flushes written before `storage.retention` ago, a chunk per pass, and dead letters as old. */
  private maintain(): void {
    this.guarded(() => {
      const cutoff = this.clock.now() - this.config.retention;
      const through = this.points.lastIdWrittenBefore(cutoff);
      this.outbox.expireDeadLetters(cutoff);
      if (through === undefined) return;
      const { first } = this.points.bounds();
      if (first === 0 || through < first) return;
      const end = Math.min(through, first + EXPIRY_CHUNK - 1);
      const delivered = this.deliveredThrough();
      const removed = this.points.deleteThrough(end);
      const undelivered = Math.min(removed, Math.max(0, end - Math.max(delivered, first - 1)));
      this.expired.inc({ reason: "retention" }, removed - undelivered);
      if (undelivered > 0) {
        this.dropped.inc({ reason: "retention" }, undelivered);
        this.log.warn({ dropped: undelivered, retention_ms: this.config.retention }, `${undelivered} points older than storage.retention were removed before a sink could deliver them`);
      }
      this.points.forgetEmptySeries();
    });
  }

  /** Runs a maintenance step; a failure is logged, never thrown into the flush that triggered it. */
  private guarded(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      const gate = this.errorLog.allow("maintenance");
      if (gate.ok) this.log.error({ code: "HEARTH_E_STORE_WRITE_FAILED", err: describeError(err) }, "Store maintenance failed; it is retried at the next flush");
    }
  }

  close(): void {
    this.cancelMaintenance?.();
    this.cancelMaintenance = undefined;
    if (this.held.length > 0) this.log.error({ code: "HEARTH_E_STORE_WRITE_FAILED", lost: this.held.length }, "Stopping with points that could not be written to the local store");
    this.db.close();
    this.health.set("store", "down", { detail: "stopped" });
  }
}
