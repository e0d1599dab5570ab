import type { Clock } from "../kit/clock.js";
import { DeliveryLane } from "../kit/delivery-lane.js";
import type { ErrorCode } from "../kit/errors.js";
import type { Health } from "../kit/health.js";
import { RateLimitedLog, type Logger } from "../kit/log.js";
import type { StoredPoint } from "../store/points.js";
import type { Store } from "../store/store.js";
import { backoffDelay, EQUAL_JITTER } from "../kit/backoff.js";
import type { SinkMetrics } from "./metrics.js";
import type { ForwardPolicy, Withheld } from "./policy.js";
import type { SendOutcome, Sink } from "./sink.js";

/**
 * Points read from the store per step; a sink's `fit` cuts them into requests. Reading, encoding
 * and compressing a step runs on the event loop, so a step stays small enough (a few tenths of a
 * second on a slow machine) that draining a backlog never holds up ingest for long.
 */
const READ_BATCH = 1_000;
/** A refused key is tried again this often, in case it is re-enabled in Datadog without a reload. */
const REFUSED_RECHECK_MS = 300_000;
/** A sink that was never used before starts with the points of the last hour, what Datadog still accepts. */
const NEW_SINK_LOOKBACK_MS = 3_600_000;

const pointCount = (n: number) => `${n} point${n === 1 ? "" : "s"}`;

interface RunnerOptions {
  store: Store;
  policy: ForwardPolicy;
  metrics: SinkMetrics;
  clock: Clock;
  health: Health;
  log: Logger;
  /** Read at each failure, so a reload applies to the next retry. */
  backoff: () => { min: number; max: number };
  random?: () => number;
}

/**
 * Drains the store into one sink: oldest first, in store order, from the sink's own cursor, so
 * a slow or failing sink never holds up ingest or another sink. The cursor moves only after a
 * sink took the points, so whatever was stored is delivered at least once, and at most once more
 * after a crash between a send and its cursor update.
 */
export class SinkRunner {
  private cursor: number;
  private readonly lane: DeliveryLane;
  private attempt = 0;
  private failingSince: number | undefined;
  private stopping = false;
  /** The sink's credentials were refused: a last send at shutdown would only be refused again. */
  private refused = false;
  private deadlinePassed = false;
  private inflight: AbortController | undefined;
  /**
   * Points of the current read that will not be forwarded, counted only once the cursor passes
   * them: a retry reads them again, and by then one may be withheld for another reason (too old).
   */
  private withheldInRead: { id: number; reason: Withheld }[] = [];
  private lastSuccess: number | undefined;
  private readonly warnLog: RateLimitedLog;

  constructor(
    private sink: Sink,
    private readonly o: RunnerOptions,
  ) {
    const { store, clock } = o;
    const known = store.outbox.cursor(sink.name);
    this.cursor = known ?? store.points.lastIdWrittenBefore(clock.now() - NEW_SINK_LOOKBACK_MS) ?? 0;
    if (known === undefined) {
      try {
        store.outbox.advance(sink.name, this.cursor, clock.now());
      } catch {
        // The store cannot be written (a full disk at start): the cursor is written with the first delivery.
      }
    }
    this.warnLog = new RateLimitedLog(() => clock.now(), 1);
    this.lane = new DeliveryLane(
      clock,
      () => this.drain(),
      () => !this.stopping,
    );
    o.health.set(sink.name, "ok", { info: { pending: this.pending() } });
  }

  get name(): string {
    return this.sink.name;
  }

  get lastSuccessAt(): number | undefined {
    return this.lastSuccess;
  }

  /** Points the sink has not dealt with yet. */
  pending(): number {
    return this.o.store.points.countAfter(this.cursor);
  }

  /** The time of the oldest point the sink has not dealt with yet. */
  oldestPendingTime(): number | undefined {
    return this.o.store.points.oldestTimeAfter(this.cursor);
  }

  /**
   * New points were stored: send them unless a send is running or a retry is scheduled. The drain
   * starts on a turn of the event loop of its own, never inside the flush or timer that woke it.
   */
  wake(): void {
    this.lane.wake();
  }

  /** A new configuration (a new key, another site): forget the failure streak and try at once. */
  replaceSink(sink: Sink): void {
    this.sink.close();
    this.sink = sink;
    this.lane.cancelRetry();
    this.attempt = 0;
    this.refused = false;
    this.o.health.set(sink.name, "ok", { detail: "configuration changed", info: { code: undefined } });
    this.wake();
  }

  /** A clean stop: one last send of what is stored, bounded by `timeoutMs`, then the sink is closed. */
  async stop(timeoutMs: number): Promise<void> {
    this.lane.cancelRetry();
    const cancelDeadline = this.o.clock.setTimeout(() => {
      this.deadlinePassed = true;
      this.inflight?.abort();
    }, timeoutMs);
    try {
      await this.lane.current;
      this.stopping = true;
      if (!this.deadlinePassed && !this.refused) await this.drain();
    } finally {
      cancelDeadline();
      this.stopping = true;
      this.sink.close();
    }
  }

  /** The sink is no longer configured: stop at once, keeping its cursor for a later comeback. */
  halt(): void {
    this.stopping = true;
    this.lane.cancelRetry();
    this.inflight?.abort();
    this.sink.close();
  }

  private async drain(): Promise<void> {
    const { store, policy, clock } = this.o;
    for (;;) {
      if (this.deadlinePassed) return;
      const rows = store.points.readAfter(this.cursor, READ_BATCH);
      if (rows.length === 0) return;
      const now = clock.now();
      const send: StoredPoint[] = [];
      this.withheldInRead = [];
      for (const p of rows) {
        const reason = policy.check(p, now);
        if (reason === undefined) send.push(p);
        else this.withheldInRead.push({ id: p.id, reason });
      }
      for (let i = 0; i < send.length;) {
        if (this.deadlinePassed) return;
        const n = Math.max(1, this.sink.fit(send, i));
        if (!(await this.deliver(send.slice(i, i + n)))) return;
        i += n;
      }
      this.advance(rows[rows.length - 1]!.id);
    }
  }

  private countWithheld(through: number): void {
    const withheld = new Map<Withheld, number>();
    let passed = 0;
    for (const w of this.withheldInRead) {
      if (w.id > through) break;
      withheld.set(w.reason, (withheld.get(w.reason) ?? 0) + 1);
      passed++;
    }
    if (passed === 0) return;
    this.withheldInRead.splice(0, passed);
    for (const [reason, n] of withheld) this.o.metrics.withheld.inc({ sink: this.sink.name, reason }, n);
    const old = (withheld.get("too_old") ?? 0) + (withheld.get("too_new") ?? 0);
    if (old > 0 && this.warnLog.allow("too_old").ok)
      this.o.log.warn(
        { code: "HEARTH_E_DATADOG_TOO_OLD", sink: this.sink.name, points: old },
        `${pointCount(old)} ${old === 1 ? "is" : "are"} outside Datadog's window (older than one hour, or over ten minutes ahead): kept in the local store, not sent (see forward.historical_metrics)`,
      );
  }

  /** Sends one batch and acts on the outcome; false when the drain must stop (retry later, key refused, stopping). */
  private async deliver(points: StoredPoint[]): Promise<boolean> {
    const ac = new AbortController();
    this.inflight = ac;
    let outcome: SendOutcome;
    try {
      outcome = await this.sink.send(points, ac.signal);
    } finally {
      this.inflight = undefined;
    }
    switch (outcome.kind) {
      case "delivered":
        this.delivered(points, outcome.warnings);
        return true;
      case "too_large": {
        if (points.length === 1) {
          this.deadLetter(points, 413, [outcome.detail], outcome.code);
          return true;
        }
        const half = Math.ceil(points.length / 2);
        return (await this.deliver(points.slice(0, half))) && (await this.deliver(points.slice(half)));
      }
      case "rejected":
        this.deadLetter(points, outcome.status, outcome.errors, outcome.code);
        return true;
      case "refused":
        this.refused = true;
        this.fail(outcome.code, "refused", outcome.detail, REFUSED_RECHECK_MS, "down");
        return false;
      case "retry": {
        const { min, max } = this.o.backoff();
        const delay = Math.max(backoffDelay(this.attempt, min, max, EQUAL_JITTER, this.o.random), Math.min(max, (outcome.notBefore ?? 0) - this.o.clock.now()));
        this.fail(outcome.code, outcome.reason, outcome.detail, delay, "degraded");
        return false;
      }
    }
  }

  private advance(id: number): void {
    if (id <= this.cursor) return;
    this.cursor = id;
    this.o.store.outbox.advance(this.sink.name, id, this.o.clock.now());
    this.countWithheld(id);
  }

  private delivered(points: StoredPoint[], warnings: string[] | undefined): void {
    const now = this.o.clock.now();
    this.advance(points[points.length - 1]!.id);
    this.o.metrics.delivered.inc({ sink: this.sink.name }, points.length);
    this.lastSuccess = now;
    if (this.failingSince !== undefined)
      this.o.log.info(
        { sink: this.sink.name, failed_for_ms: now - this.failingSince, retries: this.attempt },
        `${this.sink.label} is taking points again; sending what waited in the store`,
      );
    if (warnings?.length && this.warnLog.allow("warnings").ok)
      this.o.log.warn({ sink: this.sink.name, errors: warnings }, `${this.sink.label} accepted a batch with warnings: ${warnings.join("; ")}`);
    this.failingSince = undefined;
    this.attempt = 0;
    this.refused = false;
    this.o.health.set(this.sink.name, "ok", {
      info: { code: undefined, retry_in_ms: undefined, pending: this.pending(), last_success: new Date(now).toISOString() },
    });
  }

  private deadLetter(batch: StoredPoint[], status: number, errors: string[], code: ErrorCode): void {
    const { store, clock, metrics, log } = this.o;
    const id = store.outbox.deadLetter(this.sink.name, clock.now(), status, errors, batch);
    this.advance(batch[batch.length - 1]!.id);
    metrics.deadLettered.inc({ sink: this.sink.name }, batch.length);
    log.error(
      { code, sink: this.sink.name, status, errors, points: batch.length, dead_letter: id },
      `${this.sink.label} rejected ${pointCount(batch.length)} (${status}): ${errors.join("; ") || "no reason given"}; set aside as dead letter ${id}, not retried`,
    );
  }

  private fail(code: ErrorCode, reason: string, detail: string, delay: number, state: "degraded" | "down"): void {
    const { clock, metrics, health, log } = this.o;
    const now = clock.now();
    metrics.retries.inc({ sink: this.sink.name, reason });
    this.failingSince ??= now;
    this.attempt++;
    const pending = this.pending();
    health.set(this.sink.name, state, { detail: `${code}: ${detail}`, info: { code, pending, retry_in_ms: delay } });
    if (this.warnLog.allow(reason).ok)
      log[state === "down" ? "error" : "warn"](
        { code, sink: this.sink.name, reason, detail, pending, retry_in_ms: delay, attempt: this.attempt },
        `${this.sink.label}: ${detail}; ${pointCount(pending)} ${pending === 1 ? "waits" : "wait"} in the store, next try in ${Math.round(delay / 1000)}s`,
      );
    if (this.stopping) return;
    this.lane.retryIn(delay);
  }
}
