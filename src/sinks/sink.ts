import type { ErrorCode } from "../kit/errors.js";
import type { StoredPoint } from "../store/points.js";

/** What became of one send: the runner decides what happens to the points from this. */
export type SendOutcome =
  /** Taken (Datadog's 202; datagrams handed to the agent's socket). */
  | { kind: "delivered"; warnings?: string[] }
  /** Worth trying again later: network errors, timeouts, 408, 429, 5xx, an absent agent. */
  | { kind: "retry"; code: ErrorCode; reason: string; detail: string; notBefore?: number }
  /** Too large (413): the runner splits the batch and sends the halves. */
  | { kind: "too_large"; code: ErrorCode; detail: string }
  /** Invalid for good (400): set aside as a dead letter, never retried. */
  | { kind: "rejected"; code: ErrorCode; status: number; errors: string[] }
  /** The credentials were refused (403): nothing more is sent until the configuration changes. */
  | { kind: "refused"; code: ErrorCode; detail: string };

/**
 * A destination for stored points. The runner reads points in store order, decides what may be
 * forwarded, and hands each sink batches it says it can take in one request.
 */
export interface Sink {
  /** Stable: names the sink's cursor in the store, its health entry and its metric labels. */
  readonly name: string;
  /** For log lines: "Datadog", "DogStatsD". */
  readonly label: string;
  /** How many points from `start` on fit in one request (at least one). */
  fit(points: readonly StoredPoint[], start: number): number;
  /** Sends the points; never throws, every failure is an outcome. `signal` aborts a send that must end now. */
  send(points: readonly StoredPoint[], signal: AbortSignal): Promise<SendOutcome>;
  /** Releases sockets. */
  close(): void;
}
