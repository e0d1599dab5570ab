/**
 * Time, injected. Everything that waits or compares times takes a Clock, so `hearth replay`
 * and the tests can run a week of traffic in seconds on a ManualClock.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `fn` once after `ms`; the returned function cancels it. */
  setTimeout(fn: () => void, ms: number): Cancel;
  /** Calls `fn` every `ms` until cancelled. */
  setInterval(fn: () => void, ms: number): Cancel;
}

export type Cancel = () => void;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    return () => clearTimeout(handle);
  },
  setInterval(fn, ms) {
    const handle = setInterval(fn, ms);
    return () => clearInterval(handle);
  },
};

interface Timer {
  id: number;
  due: number;
  every: number | undefined;
  fn: () => void;
}

/**
 * A clock that only moves when told to. Timers fire in due order (ties in creation order),
 * and a timer scheduled while advancing fires in the same advance if it falls due.
 */
export class ManualClock implements Clock {
  private current: number;
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(start: number | Date = 0) {
    this.current = typeof start === "number" ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): Cancel {
    return this.add(fn, ms, undefined);
  }

  setInterval(fn: () => void, ms: number): Cancel {
    return this.add(fn, ms, Math.max(1, ms));
  }

  /** Moves time forward to `target`, firing every timer that falls due on the way. */
  advanceTo(target: number): void {
    for (;;) {
      const next = this.nextDue();
      if (next === undefined || next.due > target) break;
      this.current = Math.max(this.current, next.due);
      if (next.every === undefined) this.remove(next.id);
      else next.due += next.every;
      next.fn();
    }
    this.current = Math.max(this.current, target);
  }

  advance(ms: number): void {
    this.advanceTo(this.current + ms);
  }

  /** The time of the next timer, if any: lets a replay jump straight to it. */
  nextTimerAt(): number | undefined {
    return this.nextDue()?.due;
  }

  private add(fn: () => void, ms: number, every: number | undefined): Cancel {
    const timer: Timer = { id: this.nextId++, due: this.current + Math.max(0, ms), every, fn };
    this.timers.push(timer);
    return () => this.remove(timer.id);
  }

  private remove(id: number): void {
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  private nextDue(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers) {
      if (!best || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    }
    return best;
  }
}
