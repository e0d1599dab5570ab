import type { Cancel, Clock } from "../kit/clock.js";
import { describeError, isHearthError } from "../kit/errors.js";
import { RateLimitedLog, type Logger } from "../kit/log.js";
import type { MetricKind, Sample } from "../pipeline/sample.js";
import type { EmitOptions, Emitter, InstanceCommon, IntegrationContext } from "./contract.js";
import type { InstanceTelemetry } from "./telemetry.js";

interface SessionDeps<C> {
  instance: string;
  config: C & InstanceCommon;
  log: Logger;
  clock: Clock;
  telemetry: InstanceTelemetry;
  addSample: (sample: Sample) => void;
  /** A non-fatal problem, for /healthz's last error. */
  onError(err: unknown): void;
  /** The instance failed at runtime; the runner decides what happens next. */
  onFail(err: unknown): void;
  /** Outlives the session: the runner's, one per instance (IntegrationContext.keep). */
  kept: Map<string, unknown>;
}

/**
 * One run of one instance: the context its integration sees, and everything registered through
 * it. Closing the session cancels its timers, aborts its signal and drops later emits, so an
 * instance that restarts can never leave a timer or a half-closed stream behind.
 */
export class Session<C> {
  readonly ctx: IntegrationContext<C>;
  private readonly abort = new AbortController();
  private readonly timers: Cancel[] = [];
  private readonly errorLog: RateLimitedLog;
  private closed = false;

  constructor(private readonly deps: SessionDeps<C>) {
    this.errorLog = new RateLimitedLog(() => deps.clock.now());
    const emit: Emitter = {
      gauge: (metric, value, tags, opts) => this.sample("gauge", metric, value, tags, opts),
      count: (metric, delta, tags, opts) => this.sample("count", metric, delta, tags, opts),
      error: (err) => this.error(err),
    };
    this.ctx = {
      instance: deps.instance,
      config: deps.config,
      log: deps.log,
      signal: this.abort.signal,
      clock: deps.clock,
      emit,
      every: (intervalMs, fn) => this.every(intervalMs, fn),
      fail: (err) => {
        if (!this.closed) deps.onFail(err);
      },
      skipped: (reason) => deps.telemetry.skippedValues.inc({ reason }),
      keep: <T>(key: string, init: () => T): T => {
        if (!deps.kept.has(key)) deps.kept.set(key, init());
        return deps.kept.get(key) as T;
      },
    };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cancel of this.timers.splice(0)) cancel();
    this.abort.abort(new Error("the instance is stopping"));
  }

  private sample(kind: MetricKind, metric: string, value: number, tags: readonly string[] = [], opts: EmitOptions = {}): void {
    // Telegraf's ServiceInput contract: nothing is written once stop has begun. A value that is
    // not finite goes on, to be refused and counted where every sample enters the aggregator.
    if (this.closed) return;
    const own = opts.instanceTags === false ? [...tags] : [...tags, ...this.deps.config.tags];
    this.deps.addSample({
      metric,
      value,
      tags: own,
      time: opts.time ?? this.deps.clock.now(),
      kind,
      ...(opts.unit ? { unit: opts.unit } : {}),
      ...(opts.attrs ? { attrs: opts.attrs } : {}),
      // Each value an integration collects is a point of its time, as each run of a Datadog
      // agent check is: two runs inside one flush interval make two points, not one.
      ...(kind === "gauge" ? { stamped: true as const } : {}),
    });
  }

  private error(err: unknown): void {
    if (this.closed) return;
    const code = isHearthError(err) ? err.code : "HEARTH_E_INTEGRATION_FAILED";
    this.deps.telemetry.errors.inc({ code });
    this.deps.onError(err);
    const gate = this.errorLog.allow(code);
    if (gate.suppressed > 0) this.deps.log.warn({ code, suppressed: gate.suppressed }, "Suppressed similar integration errors in the last minute");
    if (gate.ok) this.deps.log.warn({ code }, describeError(err));
  }

  private every(intervalMs: number, fn: () => Promise<void>): void {
    if (this.closed) return;
    let running = false;
    const run = () => {
      if (this.closed) return;
      if (running) {
        this.deps.telemetry.skippedRuns.inc();
        this.deps.log.debug({ interval_ms: intervalMs }, "Skipped a collection: the previous one is still running");
        return;
      }
      running = true;
      fn().then(
        () => {
          running = false;
        },
        (err: unknown) => {
          running = false;
          if (!this.closed) this.deps.onFail(err);
        },
      );
    };
    this.timers.push(this.deps.clock.setInterval(run, intervalMs));
    run();
  }
}
