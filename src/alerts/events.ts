import type { AlertState } from "./state.js";

/**
 * What the alert engine decides, as data: docs/design.md's "Replay output" lines. `hearth replay`
 * prints them; the live hub logs them, and delivery (email, push) consumes the notifications
 * and the downtime announcements that name recipients. Acknowledgements come only from the live
 * hub (an API call), never from a replay.
 */
export interface TransitionEvent {
  t: string;
  type: "transition";
  monitor: string;
  group: string;
  from: AlertState;
  to: AlertState;
  value: number | null;
}

/** A message about one monitor group, told to the monitor's recipients. */
interface MonitorMessage {
  t: string;
  monitor: string;
  group: string;
  state: AlertState;
  recipients: string[];
  subject: string;
  body: string;
}

export interface NotificationEvent extends MonitorMessage {
  type: "notification";
  muted: boolean;
  muted_by?: string;
}

export interface DowntimeEvent {
  t: string;
  type: "downtime";
  calendar: string;
  event: "scheduled" | "started" | "ended";
  /** The window concerned (for "scheduled", the next or current one), ISO 8601 UTC. */
  start?: string;
  end?: string;
  /** "canceled" when a window ends because its calendar was changed or removed. */
  reason?: "expired" | "canceled";
  /** Present when someone is told (the calendar's `announce`). */
  recipients?: string[];
  subject?: string;
  body?: string;
}

/** Someone acknowledged a monitor group: reminders stop until its state changes. Told to the monitor's recipients. */
interface AcknowledgementEvent extends MonitorMessage {
  type: "acknowledgement";
  by?: string;
}

export type AlertEvent = TransitionEvent | NotificationEvent | DowntimeEvent | AcknowledgementEvent;

/** Receives every event the engine produces, in time order. */
export type AlertSink = (event: AlertEvent) => void;

/** ISO 8601 UTC, without milliseconds when there are none: "2026-01-05T19:00:00Z". */
export const isoTime = (ms: number): string => new Date(ms).toISOString().replace(".000Z", "Z");
