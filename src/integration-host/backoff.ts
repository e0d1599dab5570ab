/**
 * How long an instance that failed waits before its next attempt: doubling from `initialMs`,
 * never more than `maxMs`, so a server that reboots is picked up again within seconds and one
 * that is gone for the night is asked once a minute, not hammered.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 60_000 };

/** The wait before retry number `attempt` (0 for the first retry). */
export const backoffDelay = (attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number =>
  Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
