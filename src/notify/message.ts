import { formatTime } from "../alerts/messages.js";
import type { AlertState } from "../alerts/state.js";

/** How insistently a phone should ring: each push service has its own scale, mapped in its transport. */
export type Priority = "low" | "default" | "high";

/** One notification as every channel receives it; each transport renders it its own way. */
export interface Message {
  /** The outbox id (0 for `hearth notify test`): an email's Message-ID and a webhook's X-Hearth-Delivery carry it. */
  id: number;
  createdAt: number;
  kind: "alert" | "downtime" | "acknowledgement" | "test";
  monitor?: string;
  group?: string;
  state?: AlertState;
  priority: Priority;
  title: string;
  body: string;
  /** The status page, from notify.status_url. */
  url?: string;
  /** Hearth's host name, for the email footer and Message-IDs. */
  host: string;
}

/**
 * An alert rings by its state: ALERT high, WARN and NO_DATA default, a recovery low; calendar and
 * snooze announcements and acknowledgements are low (they inform, nothing is wrong).
 */
export function priorityFor(kind: Message["kind"], state: string | undefined): Priority {
  if (kind === "downtime" || kind === "acknowledgement") return "low";
  if (kind === "test") return "default";
  return state === "ALERT" ? "high" : state === "OK" ? "low" : "default";
}

/** A message that waited this long (an outage of its server) says when it was written. */
const LATE_MS = 120_000;

/** The body as sent at `now`: a late one says when it happened. */
export function bodyAt(msg: Message, now: number): string {
  return now - msg.createdAt >= LATE_MS ? `${msg.body}\n\n(Written at ${formatTime(msg.createdAt)}; delivered late.)` : msg.body;
}

/** ntfy's emoji tags (https://docs.ntfy.sh/emojis/) shown beside the title: what kind of news at a glance. */
export function emojiTag(msg: Message): string {
  if (msg.kind === "downtime") return "zzz";
  if (msg.kind === "acknowledgement") return "eyes";
  if (msg.kind === "test") return "wave";
  switch (msg.state) {
    case "ALERT":
      return "rotating_light";
    case "WARN":
      return "warning";
    case "NO_DATA":
      return "grey_question";
    default:
      return "white_check_mark";
  }
}
