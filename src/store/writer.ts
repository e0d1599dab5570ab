import { describeError } from "../kit/errors.js";
import type { Point } from "../pipeline/aggregate.js";
import type { Db } from "./database.js";
import { SinkDeliveryState } from "./sink-delivery.js";
import { PointTable, type SetAsideReason } from "./points.js";

/** Points kept in memory while the file cannot be written (a full disk): about half an hour of a large house. */
export const MAX_HELD_POINTS = 250_000;
/** Retention removes at most this many points per pass, so a long backlog never holds the writer for long. */
const EXPIRY_CHUNK = 50_000;
/** When the bound is hit, trim to this share of it, so the next flushes do not trim again at once. */
const TRIM_TARGET = 0.9;

/** What the writer needs to know from the configuration and the sinks, sent with every request. */
export interface WriterContext {
  maxBytes: number;
  retention: number;
  /** The sinks whose cursors decide what counts as delivered. */
  activeSinks: readonly string[];
}

/** Everything one write or maintenance pass did, for the store to count, log and report on /healthz. */
export interface WriteReport {
  written: number;
  /** The newest point id written by this call. */
  lastId: number | undefined;
  /** Points set aside as dead letters, per reason, with the first one's detail and the dead letter's id. */
  setAside: { reason: SetAsideReason; count: number; detail: string; deadLetter: number }[];
  /** Points held in memory after this call (the file could not be written). */
  held: number;
  /** Held points dropped because the buffer overflowed. */
  heldDropped: number;
  /** Why the write failed, when it did. */
  error: string | undefined;
  /** The write succeeded after earlier ones failed. */
  recovered: boolean;
  expired: { space: number; retention: number };
  dropped: { space: number; retention: number };
  /** A maintenance step failed (it is retried at the next flush). */
  maintenanceError: string | undefined;
  /** Series rows were removed: other connections must forget the ids they remember. */
  forgotSeries: boolean;
  bytes: number;
}

const emptyReport = (): WriteReport => ({
  written: 0,
  lastId: undefined,
  setAside: [],
  held: 0,
  heldDropped: 0,
  error: undefined,
  recovered: false,
  expired: { space: 0, retention: 0 },
  dropped: { space: 0, retention: 0 },
  maintenanceError: undefined,
  forgotSeries: false,
  bytes: 0,
});

/**
 * Every write to the points table: a flush's append (points the file cannot take wait in memory,
 * points that cannot be written at all become dead letters), the bound on `storage.max_bytes`
 * and retention. It reports what happened instead of counting or logging, so the same code runs
 * on the hub's own connection or on the store's worker thread with a connection of its own.
 */
export class PointWriter {
  readonly points: PointTable;
  private readonly outbox: SinkDeliveryState;
  private held: Point[] = [];
  private failing = false;

  /** `failing`: the store was opened on a full disk, and nothing has been written since. */
  constructor(
    private readonly db: Db,
    failing = false,
  ) {
    this.points = new PointTable(db);
    this.outbox = new SinkDeliveryState(db);
    this.failing = failing;
  }

  get heldPoints(): number {
    return this.held.length;
  }

  /** Writes one flush's points (after any held from failed flushes) in one transaction. */
  append(points: readonly Point[], at: number, ctx: WriterContext): WriteReport {
    const report = emptyReport();
    const batch = this.held.length > 0 ? [...this.held, ...points] : points;
    try {
      this.db.transaction(() => {
        // Nothing to write, but the file is known to be failing: a write that changes nothing
        // (the header's user_version, https://www.sqlite.org/pragma.html#pragma_user_version) tells whether it works again.
        if (batch.length === 0 && this.failing) this.db.pragma(`user_version = ${this.db.pragma("user_version", { simple: true }) as number}`);
        const result = this.points.append(batch, at);
        report.written = result.written;
        report.lastId = result.last;
        for (const reason of new Set(result.setAside.map((s) => s.reason))) {
          const aside = result.setAside.filter((s) => s.reason === reason);
          const detail = aside[0]!.detail;
          const deadLetter = this.outbox.setAside(
            at,
            [`${reason}: ${detail}`],
            aside.map((s) => s.point),
          );
          report.setAside.push({ reason, count: aside.length, detail, deadLetter });
        }
      })();
    } catch (err) {
      this.points.forgetCaches();
      const excess = Math.max(0, batch.length - MAX_HELD_POINTS);
      this.held = batch.slice(excess);
      this.failing = true;
      report.written = 0;
      report.lastId = undefined;
      report.setAside = [];
      report.heldDropped = excess;
      report.held = this.held.length;
      report.error = describeError(err);
      return report;
    }
    this.held = [];
    report.recovered = this.failing;
    this.failing = false;
    this.guarded(report, () => this.enforceBound(ctx, report));
    report.bytes = this.usedBytes();
    return report;
  }

  /** Applies a new bound at once (a reload lowered storage.max_bytes). */
  bound(ctx: WriterContext): WriteReport {
    const report = emptyReport();
    report.held = this.held.length;
    this.guarded(report, () => this.enforceBound(ctx, report));
    report.bytes = this.usedBytes();
    return report;
  }

  /** Retention: removes flushes written before `retention` ago, a chunk per pass, and dead letters as old. */
  maintain(now: number, ctx: WriterContext): WriteReport {
    const report = emptyReport();
    report.held = this.held.length;
    this.guarded(report, () => {
      const cutoff = now - ctx.retention;
      const through = this.points.lastIdWrittenBefore(cutoff);
      this.outbox.expireDeadLetters(cutoff);
      if (through === undefined) return;
      const { first } = this.points.bounds();
      if (first === 0 || through < first) return;
      const end = Math.min(through, first + EXPIRY_CHUNK - 1);
      const delivered = this.deliveredThrough(ctx);
      const removed = this.points.deleteThrough(end);
      const undelivered = Math.min(removed, Math.max(0, end - Math.max(delivered, first - 1)));
      report.expired.retention += removed - undelivered;
      report.dropped.retention += undelivered;
      report.forgotSeries = this.points.forgetEmptySeries() > 0;
    });
    report.bytes = this.usedBytes();
    return report;
  }

  /** The id up to which every active sink has dealt with every point: older points are history only. */
  deliveredThrough(ctx: WriterContext): number {
    const { last } = this.points.bounds();
    let through = last;
    for (const sink of ctx.activeSinks) through = Math.min(through, this.outbox.cursor(sink) ?? 0);
    return through;
  }

  usedBytes(): number {
    const pageSize = this.db.pragma("page_size", { simple: true }) as number;
    const pages = this.db.pragma("page_count", { simple: true }) as number;
    const free = this.db.pragma("freelist_count", { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  /** Keeps the data under `maxBytes`: delivered history first, then the oldest undelivered points. */
  private enforceBound(ctx: WriterContext, report: WriteReport): void {
    const max = ctx.maxBytes;
    for (let round = 0; round < 8; round++) {
      const used = this.usedBytes();
      if (used <= max) return;
      const { first, last } = this.points.bounds();
      if (last === 0) return;
      const perPoint = used / (last - first + 1);
      let wanted = Math.max(1, Math.ceil((used - max * TRIM_TARGET) / perPoint));
      const delivered = this.deliveredThrough(ctx);
      const historyEnd = Math.min(first + wanted - 1, delivered);
      if (historyEnd >= first) {
        const removed = this.points.deleteThrough(historyEnd);
        report.expired.space += removed;
        wanted -= removed;
      }
      if (wanted > 0) {
        const from = Math.max(first, historyEnd + 1);
        report.dropped.space += this.points.deleteThrough(from + wanted - 1);
      }
    }
  }

  /** Runs a maintenance step; a failure is reported, never thrown into the flush that triggered it. */
  private guarded(report: WriteReport, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      report.maintenanceError = describeError(err);
    }
  }
}
