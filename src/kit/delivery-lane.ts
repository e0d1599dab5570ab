import type { Cancel, Clock } from "./clock.js";

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * One queue's sending loop, as the sink runner, the notification dispatcher and the Datadog
 * events sender each run it: at most one drain at a time, started on a turn of the event loop of
 * its own (never inside the flush or timer that woke it), and no drain while a retry waits on
 * the injected clock. What a drain sends and how long a retry waits is the owner's business.
 */
export class DeliveryLane {
  private running: Promise<void> | undefined;
  private retryTimer: Cancel | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly drain: () => Promise<void>,
    /** Read at each wake: false while the owner is stopping or has nothing to send with. */
    private readonly mayRun: () => boolean = () => true,
    /** Runs when a drain has ended, once this lane is idle again. */
    private readonly drained: () => void = () => {},
  ) {}

  /** The drain in progress, if any. */
  get current(): Promise<void> | undefined {
    return this.running;
  }

  get retryScheduled(): boolean {
    return this.retryTimer !== undefined;
  }

  /** Something may be waiting: drain it unless a drain is running or a retry is scheduled. */
  wake(): void {
    if (this.running || this.retryTimer || !this.mayRun()) return;
    this.running = nextTurn()
      .then(() => this.drain())
      .finally(() => {
        this.running = undefined;
        this.drained();
      });
  }

  /** Wakes again after `delayMs` on the clock; until then, `wake` does nothing. */
  retryIn(delayMs: number): void {
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      this.wake();
    }, delayMs);
  }

  cancelRetry(): void {
    this.retryTimer?.();
    this.retryTimer = undefined;
  }
}
