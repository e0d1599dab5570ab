import type { Message } from "../message.js";

/** What became of one send; the dispatcher decides what happens to the notification from it. */
export type Outcome =
  /** The server accepted it: `answer` is what it said (an SMTP 250 line, an HTTP status and body). */
  | { kind: "delivered"; answer: string }
  /** Worth trying again: no answer, a timeout, 408, 429, 5xx, an SMTP 4xx, or credentials refused (fixed by a reload). */
  | { kind: "retry"; code: "HEARTH_E_NOTIFY_FAILED" | "HEARTH_E_NOTIFY_AUTH"; answer: string; retryAfterMs?: number }
  /** The server refused this message for good (an unknown mailbox, an invalid user key): retrying cannot help. */
  | { kind: "rejected"; answer: string };

/** One way of reaching one recipient: their email addresses, their ntfy topic, a webhook. */
export interface Channel {
  /** "email", "ntfy", "pushover", "gotify", "webhook:<name>": with the recipient, names a delivery lane. */
  readonly key: string;
  /** For people, without secrets: "email to alex@example.com", "ntfy topic hearth-alex on https://ntfy.sh". */
  readonly describe: string;
  /** Sends at `now`; never throws, every failure is an outcome. */
  send(msg: Message, now: number, signal: AbortSignal): Promise<Outcome>;
}
