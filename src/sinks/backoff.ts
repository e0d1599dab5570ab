/**
 * The wait before retry number `attempt` (0 for the first): doubling from `min`, capped at `max`,
 * with "equal jitter" (half fixed, half random) so a house full of hubs coming back after an
 * outage does not retry in step, while no retry comes sooner than half the schedule.
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoffDelay(attempt: number, min: number, max: number, random: () => number = Math.random): number {
  const ceiling = Math.min(max, min * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
