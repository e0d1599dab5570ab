/**
 * How long an instance that failed waits before its next attempt: doubling from `initialMs`,
 * never more than `maxMs`, so a server that reboots is picked up again within seconds and one
 * that is gone for the night is asked once a minute, not hammered (src/kit/backoff.ts, no jitter).
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 60_000 };
