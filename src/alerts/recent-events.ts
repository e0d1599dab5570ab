import type { AlertEvent, NotificationEvent, TransitionEvent } from "./events.js";

const KEEP = 200;

/**
 * The engine's latest transitions and notifications, muted ones included, in memory: the status
 * page's notification log shows what quiet hours held back, which never reaches the outbox.
 */
export class RecentAlertEvents {
  private readonly events: (NotificationEvent | TransitionEvent)[] = [];

  add(e: AlertEvent): void {
    if (e.type !== "notification" && e.type !== "transition") return;
    this.events.push(e);
    this.events.splice(0, Math.max(0, this.events.length - KEEP));
  }

  /** Newest first. */
  list(limit: number): (NotificationEvent | TransitionEvent)[] {
    return this.events.slice(-limit).reverse();
  }
}
