import type { z } from "zod";
import type { Clock } from "../kit/clock.js";
import type { Logger } from "../kit/log.js";

/**
 * The one interface every integration implements. An integration reads a server (openHAB,
 * Proxmox, PostgreSQL) or makes up its own readings (my_metric) and only ever emits samples
 * through its context: it never sees MQTT, sinks, rules, alerts or notifiers.
 */
interface IntegrationManifest {
  /** snake_case; equals the folder name, the registry key and the `type:` written in config. */
  name: string;
  /** The name a homeowner knows it by, for logs and `hearth check --probe`. */
  title: string;
}

/** Fields the host adds to every instance, whatever its type. */
export interface InstanceCommon {
  type: string;
  enabled: boolean;
  /** Added to every sample of the instance, like a Datadog check instance's `tags:`. */
  tags: string[];
  /** Milliseconds `start` may take before the attempt counts as failed. */
  start_timeout: number;
}

export interface EmitOptions {
  unit?: string;
  /** Milliseconds since the epoch; the clock's now when absent. */
  time?: number;
  /** What is not a number: the raw state word (`ON`), a status. */
  attrs?: Record<string, string>;
  /**
   * False leaves the instance's `tags:` off: a house signal such as `presence.home{person:…}`
   * must look the same whichever integration or device reported it.
   */
  instanceTags?: false;
}

/** The only way data leaves an integration (Telegraf's Accumulator). Emits after stop are dropped. */
export interface Emitter {
  /** A value at a point in time: each becomes its own point at its time, even several in one flush interval. */
  gauge(metric: string, value: number, tags?: readonly string[], opts?: EmitOptions): void;
  /** How many things happened since the last count: counts add up per flush interval. */
  count(metric: string, delta: number, tags?: readonly string[], opts?: EmitOptions): void;
  /**
   * A problem that does not stop the instance (one statistics view refused, one item unreadable):
   * logged at a bounded rate with its code, counted, and shown on /healthz as the last error.
   */
  error(err: unknown): void;
}

export interface IntegrationContext<C> {
  /** The instance's name: its key under `integrations:`. */
  readonly instance: string;
  /** Validated, defaults applied, `${…}` resolved. */
  readonly config: Readonly<C & InstanceCommon>;
  /** Carries `{integration, instance}`. */
  readonly log: Logger;
  /** Aborted when the instance stops or restarts: hand it to fetch, streams and sockets. */
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly emit: Emitter;
  /**
   * Runs `fn` now and then every `intervalMs`. A run still going when the next is due makes that
   * next run skipped and counted, never stacked. A run that throws fails the instance (see `fail`).
   * The timer is the host's: it is gone when the instance stops.
   */
  every(intervalMs: number, fn: () => Promise<void>): void;
  /**
   * The server went away after a good start (a dropped stream, a lost connection): the host
   * stops this instance, reports it `degraded`, and starts it again after a capped backoff.
   */
  fail(err: unknown): void;
  /** Counts a value skipped on purpose (openHAB's NULL and UNDEF), by reason, on /metrics. */
  skipped(reason: string): void;
  /**
   * A value the host keeps across this instance's restarts (not across a hub restart or a change
   * of its config), made by `init` the first time `key` is asked for: what one attempt hands the
   * next, such as the states already sent, so a reconnection does not send them again as new.
   */
  keep<T>(key: string, init: () => T): T;
}

/** A problem across fields of one instance (two ways of logging in given at once), reported with its position. */
export interface ConfigProblem {
  /** The field, relative to the instance. */
  path: (string | number)[];
  message: string;
}

export interface Integration<S extends z.ZodObject = z.ZodObject, R = unknown> {
  readonly manifest: IntegrationManifest;
  /** The instance's own fields; the host adds `type`, `enabled`, `tags` and `start_timeout`. Use z.strictObject and .meta(). */
  readonly configSchema: S;
  /** Checks a schema cannot express (exclusive options, a file that must exist); runs with validation, before anything connects. */
  checkConfig?(config: z.output<S>): ConfigProblem[];
  /**
   * Connects, reads once (so a wrong address fails here, not on the first poll) and registers
   * its pollers or streams through ctx. Throwing makes the instance `degraded` and retried with
   * backoff. Returns the instance's runtime handle, given back to `stop`; no module-level state.
   */
  start(ctx: IntegrationContext<z.output<S>>): Promise<R>;
  /** Releases what `start` opened itself (clients, pools). Timers made through ctx are already gone and the signal is aborted. */
  stop?(runtime: R): Promise<void>;
  /** Tries the server once for `hearth check --probe` and says what answered ("openHAB 4.2.1, 104 items"). */
  probe(config: Readonly<z.output<S> & InstanceCommon>, signal: AbortSignal): Promise<string>;
}

/** Keeps an integration's config type flowing from its schema into `start`, `stop` and `probe`. */
export const defineIntegration = <S extends z.ZodObject, R>(integration: Integration<S, R>): Integration<S, R> => integration;
