import type { Cancel, Clock } from "../kit/clock.js";
import { describeError, HearthError, isHearthError, type ErrorCode } from "../kit/errors.js";
import type { Health } from "../kit/health.js";
import type { Logger } from "../kit/log.js";
import type { Sample } from "../pipeline/sample.js";
import { backoffDelay, NO_JITTER } from "../kit/backoff.js";
import type { BackoffPolicy } from "./backoff.js";
import { Session } from "./context.js";
import type { InstanceCommon, Integration } from "./contract.js";
import type { InstanceTelemetry } from "./telemetry.js";

interface RunnerDeps {
  clock: Clock;
  health: Health;
  log: Logger;
  telemetry: InstanceTelemetry;
  backoff: BackoffPolicy;
  addSample: (sample: Sample) => void;
}

/** The name an instance has on /healthz. */
const healthName = (instance: string): string => `integration:${instance}`;

const codeOf = (err: unknown): ErrorCode => (isHearthError(err) ? err.code : "HEARTH_E_INTEGRATION_FAILED");

/**
 * Keeps one instance running: starts it under a timeout, and whenever it fails (at start or
 * later) tears the attempt down completely and tries again after a capped, doubling wait. Each
 * attempt is a new Session; a generation number makes late answers from an abandoned attempt
 * harmless. An instance never throws into the hub: its failures are health, logs and counters.
 */
export class InstanceRunner {
  private generation = 0;
  private session: Session<unknown> | undefined;
  private runtime: { value: unknown } | undefined;
  private startedAt: number | undefined;
  private attempt = 0;
  private cancelRetry: Cancel | undefined;
  private stopped = false;
  /** What the instance keeps across its restarts (IntegrationContext.keep). */
  private readonly kept = new Map<string, unknown>();

  constructor(
    readonly name: string,
    readonly config: InstanceCommon,
    private readonly integration: Integration,
    private readonly deps: RunnerDeps,
  ) {}

  private get component(): string {
    return healthName(this.name);
  }

  start(): void {
    if (!this.config.enabled) {
      this.deps.health.set(this.component, "disabled", { detail: "enabled: false", info: { type: this.config.type } });
      return;
    }
    this.launch();
  }

  private launch(): void {
    const gen = ++this.generation;
    this.cancelRetry = undefined;
    const { clock, health, log } = this.deps;
    health.set(this.component, "starting", { info: { type: this.config.type, attempts: this.attempt } });
    const session = new Session<unknown>({
      instance: this.name,
      config: this.config,
      log,
      clock,
      telemetry: this.deps.telemetry,
      addSample: this.deps.addSample,
      onError: (err) =>
        health.set(this.component, health.get(this.component)?.state ?? "ok", { info: { last_error: describeError(err), last_error_code: codeOf(err) } }),
      onFail: (err) => this.failed(err, gen),
      kept: this.kept,
    });
    this.session = session;
    let cancelTimeout: Cancel | undefined;
    const timeout = new Promise<never>((_, reject) => {
      cancelTimeout = clock.setTimeout(
        () =>
          reject(
            new HearthError(
              "HEARTH_E_INTEGRATION_START_TIMEOUT",
              `${this.integration.manifest.title} instance "${this.name}" did not start within ${this.config.start_timeout / 1000}s`,
            ),
          ),
        this.config.start_timeout,
      );
    });
    Promise.race([this.integration.start(session.ctx), timeout]).then(
      (value) => {
        cancelTimeout?.();
        if (gen !== this.generation) {
          // Started after it was given up on (timed out, stopped): release what it opened.
          void this.integration.stop?.(value).catch(() => undefined);
          return;
        }
        this.runtime = { value };
        this.startedAt = clock.now();
        this.deps.telemetry.up(1);
        health.set(this.component, "ok", {
          detail: "running",
          info: { type: this.config.type, attempts: this.attempt, code: undefined, retry_in_ms: undefined },
        });
        log.info(`Started ${this.integration.manifest.title} instance "${this.name}"`);
      },
      (err: unknown) => {
        cancelTimeout?.();
        this.failed(err, gen);
      },
    );
  }

  private failed(err: unknown, gen: number): void {
    if (gen !== this.generation || this.stopped) return;
    this.generation++;
    const { clock, health, log, telemetry } = this.deps;
    // A connection that held for as long as the longest wait earns a quick retry again.
    if (this.startedAt !== undefined && clock.now() - this.startedAt >= this.deps.backoff.maxMs) this.attempt = 0;
    const code = codeOf(err);
    const delay = backoffDelay(this.attempt, this.deps.backoff.initialMs, this.deps.backoff.maxMs, NO_JITTER);
    this.attempt++;
    telemetry.failures.inc({ code });
    telemetry.up(0);
    void this.teardown();
    health.set(this.component, "degraded", {
      detail: describeError(err),
      info: { type: this.config.type, code, attempts: this.attempt, retry_in_ms: delay },
    });
    log.warn(
      { code, retry_in_ms: delay, attempt: this.attempt },
      `${this.integration.manifest.title} instance "${this.name}": ${describeError(err)}; retrying in ${Math.round(delay / 1000)}s`,
    );
    this.cancelRetry = clock.setTimeout(() => this.launch(), delay);
  }

  /** Closes the current attempt: timers, signal, then whatever `start` opened itself. */
  private async teardown(): Promise<void> {
    const session = this.session;
    const runtime = this.runtime;
    this.session = undefined;
    this.runtime = undefined;
    this.startedAt = undefined;
    session?.close();
    if (runtime) {
      try {
        await this.integration.stop?.(runtime.value);
      } catch (err) {
        this.deps.log.warn({ err: describeError(err) }, `Stopping instance "${this.name}" failed`);
      }
    }
  }

  /** Stops for good: no retry is left scheduled and the instance leaves /healthz. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    this.cancelRetry?.();
    this.cancelRetry = undefined;
    await this.teardown();
    this.deps.health.remove(this.component);
  }
}
