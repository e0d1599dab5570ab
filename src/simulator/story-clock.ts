import type { Clock } from "../kit/clock.js";
import { systemClock } from "../kit/clock.js";

/**
 * The demo's clock: it starts at the story's first moment and runs `speed` times faster than the
 * wall clock. The hub is handed this clock, so the pipeline's flushes, the monitors' `for: 10m`,
 * the quiet hours, renotification and the simulated devices all live in the same story time, and
 * the shipped rules run unchanged: ten story minutes are ten seconds at 60×.
 */
export class StoryClock implements Clock {
  private readonly realStart: number;

  constructor(
    private readonly storyStart: number,
    private readonly speed: number,
    private readonly real: Clock = systemClock,
  ) {
    this.realStart = real.now();
  }

  now(): number {
    return Math.round(this.storyStart + (this.real.now() - this.realStart) * this.speed);
  }

  setTimeout(fn: () => void, ms: number) {
    return this.real.setTimeout(fn, ms / this.speed);
  }

  setInterval(fn: () => void, ms: number) {
    return this.real.setInterval(fn, Math.max(1, ms / this.speed));
  }
}

/**
 * The story's first moment: 07:00 of the latest Saturday (in the hub's zone) not after `now`.
 * A Saturday, so the shipped quiet hours (all weekend) are in force and the page shows what
 * they mute, while "left on with nobody home" — never muted — still fires.
 */
export function storyStart(now: number): number {
  const d = new Date(now);
  d.setHours(7, 0, 0, 0);
  // setDate keeps the local 07:00 across a daylight-saving change.
  if (d.getTime() > now) d.setDate(d.getDate() - 1);
  while (d.getDay() !== 6) d.setDate(d.getDate() - 1);
  return d.getTime();
}
