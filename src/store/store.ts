import path from "node:path";
import type { Counter } from "prom-client";
import type { Cancel, Clock } from "../kit/clock.js";
import { describeError } from "../kit/errors.js";
import type { Health } from "../kit/health.js";
import { RateLimitedLog, type Logger } from "../kit/log.js";
import type { Point } from "../pipeline/aggregate.js";
import type { Telemetry } from "../kit/telemetry.js";
import { migrate, openDatabaseOrReadOnly, type Db, type Migrations } from "./database.js";
import { SINK_DELIVERY_MIGRATIONS, SinkDeliveryState } from "./sink-delivery.js";
import { POINT_MIGRATIONS, PointTable, SET_ASIDE_REASONS } from "./points.js";
import type { StorageConfig } from "./schema.js";
import { InlineWriter, ThreadWriter, type WriterPort } from "./writer-port.js";
import type { WriteReport, WriterContext } from "./writer.js";

export const STORE_FILE = "hearth.db";

const MAINTENANCE_EVERY_MS = 60_000;
/** The bound of a store kept in memory (a full disk at its first start): about 250,000 points, like the points held while a file cannot be written. */
export const IN_MEMORY_MAX_BYTES = 32 * 1_048_576;

interface StoreOptions {
  /**
   * Write points on a worker thread with its own connection (the hub does), instead of on the
   * caller's event loop. Without it, each `append` has done its work when it returns.
   */
  thread?: boolean;
}

/**
 * The local store: every flush's points are written here in one transaction before any network
 * call, and sinks drain it with their own cursors. It is bounded on disk (history that every sink
 * has delivered goes first, then the oldest undelivered points, counted) and keeps history for
 * `storage.retention`. A point that cannot be written is set aside as a dead letter with its
 * reason, and the rest of its flush is written. Other parts of Hearth add their own tables with
 * `migrate()`. The hub's connection reads; the points are written by a `WriterPort`, on a
 * thread of its own in the hub.
 */
export class Store {
  readonly points: PointTable;
  readonly outbox: SinkDeliveryState;
  private config: StorageConfig;
  private held = 0;
  private failing = false;
  private activeSinks: readonly string[] = [];
  private cancelMaintenance: Cancel | undefined;
  private readonly errorLog: RateLimitedLog;
  private writer: WriterPort;
  /** The last request handed to the writer: `idle()` waits for it. */
  private tail: Promise<unknown> = Promise.resolve();

  private readonly written: Counter;
  private readonly dropped: Counter<"reason">;
  private readonly expired: Counter<"reason">;
  private readonly setAside: Counter<"reason">;

  private constructor(
    readonly db: Db,
    readonly file: string,
    config: StorageConfig,
    private readonly clock: Clock,
    private readonly health: Health,
    private readonly log: Logger,
    telemetry: Telemetry,
    options: StoreOptions,
    readOnlyBecause: string | undefined,
    /** Why the store is in memory instead of its file; see `Opened.inMemoryBecause`. */
    private readonly inMemoryBecause: string | undefined,
  ) {
    this.config = config;
    this.errorLog = new RateLimitedLog(() => clock.now(), 1);
    this.migrate(POINT_MIGRATIONS);
    this.migrate(SINK_DELIVERY_MIGRATIONS);
    this.points = new PointTable(db);
    this.outbox = new SinkDeliveryState(db);
    // A store opened on a full disk is locked to this connection (see openDatabaseOrReadOnly): no thread.
    this.writer =
      options.thread && !readOnlyBecause ? new ThreadWriter(file, (err) => this.writerFailed(err)) : new InlineWriter(db, readOnlyBecause !== undefined);
    this.written = telemetry.counter("store_points_written_total", "Points written to the local store.");
    this.dropped = telemetry.counter(
      "store_points_dropped_total",
      "Points lost before every sink had them: space (storage.max_bytes), retention, write_failed (the store could not be written for too long).",
      ["reason"],
    );
    this.expired = telemetry.counter("store_points_expired_total", "History removed after every sink had it (or with no sink): retention, space.", ["reason"]);
    this.setAside = telemetry.counter(
      "store_points_dead_lettered_total",
      'Points the store could not write, set aside in dead_letters (sink "store"): not_finite, write_error.',
      ["reason"],
    );
    for (const r of ["space", "retention", "write_failed"]) this.dropped.inc({ reason: r }, 0);
    for (const r of ["space", "retention"]) this.expired.inc({ reason: r }, 0);
    for (const r of SET_ASIDE_REASONS) this.setAside.inc({ reason: r }, 0);
    telemetry.gauge("store_bytes", "Bytes the local store's data occupies.", [], (g) => g.set(this.usedBytes()));
    telemetry.gauge("store_points_held", "Points kept in memory because the store could not be written.", [], (g) => g.set(this.held));
    this.health.set("store", "ok", { critical: true, info: { file, max_bytes: config.max_bytes } });
    if (readOnlyBecause !== undefined) {
      this.failing = true;
      this.health.set("store", "down", {
        detail: `HEARTH_E_STORE_WRITE_FAILED: cannot write ${file}: ${readOnlyBecause}`,
        info: { code: "HEARTH_E_STORE_WRITE_FAILED", held_points: 0 },
      });
      this.log.error(
        { code: "HEARTH_E_STORE_WRITE_FAILED", file, err: readOnlyBecause },
        "The local store cannot be written (is the disk full?): starting without writing to it; points are held in memory and written once it can be written again",
      );
    }
    if (inMemoryBecause !== undefined) {
      this.health.set("store", "down", { detail: this.inMemoryDetail(), info: { code: "HEARTH_E_STORE_OPEN_FAILED", in_memory: true } });
      this.log.error(
        { code: "HEARTH_E_STORE_OPEN_FAILED", file, err: inMemoryBecause },
        `The local store ${file} cannot be created (is the disk full?): points are kept in memory (at most ${IN_MEMORY_MAX_BYTES / 1_048_576} MiB) and sent on as usual, lost at a restart; the file is created at the next start once there is space`,
      );
    }
  }

  private inMemoryDetail(): string {
    return `HEARTH_E_STORE_OPEN_FAILED: cannot create ${this.file}: ${this.inMemoryBecause}; the store is in memory until the next start`;
  }

  /**
   * Opens `storage.dir/hearth.db`, creating or migrating it; throws HEARTH_E_STORE_OPEN_FAILED or
   * HEARTH_E_STORE_NEWER. An existing store on a full disk opens for reading, down on /healthz,
   * its writes held in memory until they succeed.
   */
  static open(config: StorageConfig, clock: Clock, telemetry: Telemetry, health: Health, log: Logger, options: StoreOptions = {}): Store {
    const file = path.resolve(config.dir, STORE_FILE);
    const { db, readOnlyBecause, inMemoryBecause } = openDatabaseOrReadOnly(file);
    return new Store(
      db,
      file,
      config,
      clock,
      health,
      log,
      telemetry,
      { thread: options.thread === true && inMemoryBecause === undefined },
      readOnlyBecause,
      inMemoryBecause,
    );
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
    if (this.inMemoryBecause === undefined) this.health.set("store", this.failing ? "down" : "ok", { info: { max_bytes: config.max_bytes } });
    void this.run(this.writer.bound(this.context())); // run() logs a failed writer itself
  }

  /** The sinks whose cursors decide what counts as delivered. */
  setActiveSinks(names: readonly string[]): void {
    this.activeSinks = names;
  }

  /**
   * Writes one flush's points in one transaction; resolves once they are on disk. On failure they
   * wait in memory for the next flush; a point that cannot be written at all is set aside.
   */
  append(points: readonly Point[], at: number): Promise<void> {
    return this.run(this.writer.append(points, at, this.context()), true);
  }

  /** Resolves when everything handed to the writer so far is done. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }

  private context(): WriterContext {
    const maxBytes = this.inMemoryBecause === undefined ? this.config.max_bytes : Math.min(this.config.max_bytes, IN_MEMORY_MAX_BYTES);
    return { maxBytes, retention: this.config.retention, activeSinks: this.activeSinks };
  }

  /** Applies a writer's report: counters, logs, /healthz. */
  private run(request: Promise<WriteReport>, appended = false): Promise<void> {
    const done = request.then(
      (r) => this.apply(r, appended),
      (err: unknown) => this.apply(undefined, false, err),
    );
    this.tail = done;
    return done;
  }

  private apply(r: WriteReport | undefined, appended: boolean, failure?: unknown): void {
    if (!r) {
      const gate = this.errorLog.allow("maintenance");
      if (gate.ok)
        this.log.error({ code: "HEARTH_E_STORE_WRITE_FAILED", err: describeError(failure) }, "The store's writer failed; it is retried at the next flush");
      return;
    }
    this.held = r.held;
    if (r.forgotSeries) this.points.forgetCaches();
    this.written.inc(r.written);
    for (const a of r.setAside) {
      this.setAside.inc({ reason: a.reason }, a.count);
      const gate = this.errorLog.allow(`set_aside:${a.reason}`);
      if (gate.ok)
        this.log.error(
          { code: "HEARTH_E_STORE_POINT_SET_ASIDE", reason: a.reason, points: a.count, detail: a.detail, dead_letter: a.deadLetter },
          `The local store could not write ${a.count} point${a.count === 1 ? "" : "s"} (${a.reason}: ${a.detail}); set aside as dead letter ${a.deadLetter}, the rest of the flush was written`,
        );
    }
    this.expired.inc({ reason: "space" }, r.expired.space);
    this.expired.inc({ reason: "retention" }, r.expired.retention);
    this.dropped.inc({ reason: "space" }, r.dropped.space);
    this.dropped.inc({ reason: "retention" }, r.dropped.retention);
    this.dropped.inc({ reason: "write_failed" }, r.heldDropped);
    if (r.dropped.space > 0 && this.errorLog.allow("full").ok)
      this.log.warn(
        { code: "HEARTH_E_STORE_FULL", dropped: r.dropped.space, max_bytes: this.config.max_bytes, file: this.file },
        `The local store reached storage.max_bytes: dropped the ${r.dropped.space} oldest undelivered points`,
      );
    if (r.dropped.retention > 0)
      this.log.warn(
        { dropped: r.dropped.retention, retention_ms: this.config.retention },
        `${r.dropped.retention} points older than storage.retention were removed before a sink could deliver them`,
      );
    if (r.maintenanceError !== undefined && this.errorLog.allow("maintenance").ok)
      this.log.error({ code: "HEARTH_E_STORE_WRITE_FAILED", err: r.maintenanceError }, "Store maintenance failed; it is retried at the next flush");
    if (r.error !== undefined) return this.failed(r);
    if (!appended) return;
    if (this.failing) {
      this.failing = false;
      this.log.info({ points: r.written }, "The local store is writable again; points held in memory were written");
    }
    if (this.inMemoryBecause === undefined) this.health.set("store", "ok", { info: { bytes: r.bytes } });
    else this.health.set("store", "down", { detail: this.inMemoryDetail(), info: { bytes: r.bytes } });
  }

  private failed(r: WriteReport): void {
    this.failing = true;
    const detail = `HEARTH_E_STORE_WRITE_FAILED: cannot write ${this.file}: ${r.error}`;
    this.health.set("store", "down", { detail, info: { code: "HEARTH_E_STORE_WRITE_FAILED", held_points: r.held } });
    const gate = this.errorLog.allow("write");
    if (gate.ok)
      this.log.error(
        { code: "HEARTH_E_STORE_WRITE_FAILED", file: this.file, err: r.error, held_points: r.held, dropped: r.heldDropped },
        "The local store cannot be written; points are held in memory and written at the next flush",
      );
  }

  /** The writer thread died: what it had not answered, and everything after, is written on this connection. */
  private writerFailed(err: Error): InlineWriter {
    this.log.error(
      { code: "HEARTH_E_STORE_WRITE_FAILED", err: err.message },
      "The store's writer thread failed; points are written on the hub's own connection from now on",
    );
    const inline = new InlineWriter(this.db);
    this.writer = inline;
    return inline;
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

  /** Retention, on the writer: flushes written before `storage.retention` ago, a chunk per pass, and dead letters as old. */
  private maintain(): void {
    void this.run(this.writer.maintain(this.clock.now(), this.context()));
  }

  /** Waits for what the writer was given, then closes it and the connection. */
  async close(): Promise<void> {
    this.cancelMaintenance?.();
    this.cancelMaintenance = undefined;
    await this.idle();
    const held = await this.writer.close();
    if (held > 0) this.log.error({ code: "HEARTH_E_STORE_WRITE_FAILED", lost: held }, "Stopping with points that could not be written to the local store");
    this.db.close();
    this.health.set("store", "down", { detail: "stopped" });
  }
}
