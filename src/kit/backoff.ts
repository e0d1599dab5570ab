/**
 * How a retry's wait is spread around its doubling schedule, so a house full of hubs (or several
 * hubs that lost the same broker) coming back after an outage does not retry in step.
 * - `none`: exactly the schedule.
 * - `equal`: half fixed, half random ("equal jitter"), so no retry comes sooner than half the
 *   schedule. https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 * - `spread`: the schedule times a random factor in [1 - fraction, 1 + fraction).
 */
type Jitter = { kind: "none" } | { kind: "equal" } | { kind: "spread"; fraction: number };

export const NO_JITTER: Jitter = { kind: "none" };
export const EQUAL_JITTER: Jitter = { kind: "equal" };
export const spreadJitter = (fraction: number): Jitter => ({ kind: "spread", fraction });

/**
 * The wait before retry number `attempt` (0 for the first): `minMs` doubled per attempt, capped
 * at `maxMs`, then spread by `jitter`. `random` is injected so tests can fix it.
 */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, jitter: Jitter, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  switch (jitter.kind) {
    case "none":
      return ceiling;
    case "equal":
      return Math.round(ceiling / 2 + (random() * ceiling) / 2);
    case "spread":
      return Math.round(ceiling * (1 - jitter.fraction + 2 * jitter.fraction * random()));
  }
}
