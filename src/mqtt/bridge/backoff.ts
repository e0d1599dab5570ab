/**
 * The wait before reconnection attempt `attempt` (0 for the first): `min` doubled per failed
 * attempt, capped at `max`, then spread by ±20 % so several hubs that lost the same broker do
 * not all come back in the same instant. `random` is injected so tests can fix it.
 */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.8 + 0.4 * random()));
}
