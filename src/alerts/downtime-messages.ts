import { DateTime } from "luxon";
import type { Schedule } from "./calendar.js";
import { displayValue } from "./messages.js";
import { localTime, windowLine } from "./preview.js";
import type { AlertState } from "./state.js";
import type { Interval } from "./windows.js";

/**
 * What a calendar's recipients read: when it is scheduled or changed (Datadog announces a
 * downtime when it is scheduled, started, cancelled or expired, docs/datadog-semantics.md §4.3),
 * when a window starts or ends, and the digest of what happened while it was in force.
 */

/** A state change of a muted monitor, kept for the digest. */
export interface Activity {
  t: number;
  monitor: string;
  group: string;
  from: AlertState;
  to: AlertState;
  value: number | null;
}

export interface StillOpen {
  monitor: string;
  group: string;
  state: AlertState;
  since: number;
  value: number | null;
}

export interface Announcement {
  subject: string;
  body: string;
}

const PREVIEW_DAYS = 7;
const DAY_MS = 86_400_000;
const groupText = (group: string) => (group === "*" ? "" : ` {${group}}`);
const valueText = (v: number | null) => (v === null ? "" : ` (value ${displayValue(v)})`);
const clock = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toFormat("ccc HH:mm");

export function scheduledAnnouncement(cal: Schedule, now: number, changed: boolean, mutes: readonly string[]): Announcement {
  const windows = cal.windows(now, now + PREVIEW_DAYS * DAY_MS);
  const lines = windows.length ? windows.map((w) => `  ${windowLine(w, cal.zone)}`) : ["  (no window in the next 7 days)"];
  return {
    subject: `Downtime ${cal.name} ${changed ? "changed" : "scheduled"}`,
    body: [
      `Downtime calendar ${cal.name} (${cal.zone}) is ${changed ? "changed" : "scheduled"}. It mutes ${mutes.length ? mutes.join(", ") : "no monitor yet"}.`,
      `Windows in the next ${PREVIEW_DAYS} days:`,
      ...lines,
    ].join("\n"),
  };
}

export function startedAnnouncement(cal: Schedule, w: Interval): Announcement {
  return {
    subject: `Downtime ${cal.name} started, until ${clock(w.end, cal.zone)}`,
    body: `Downtime ${cal.name} is in force from ${localTime(w.start, cal.zone)} until ${localTime(w.end, cal.zone)}. Notifications of the monitors it mutes are held until then.`,
  };
}

export function endedAnnouncement(
  cal: Schedule,
  w: Interval,
  endedAt: number,
  canceled: boolean,
  activity: readonly Activity[],
  muted: number,
  open: readonly StillOpen[],
): Announcement {
  const how = canceled ? "was canceled" : "ended";
  const changes = activity.length;
  const subject = `${cal.title} ${how}${changes ? `: ${changes} change${changes === 1 ? "" : "s"} while muted${open.length ? `, ${open.length} still not OK` : ""}` : ""}`;
  const lines = [`${cal.title} (${cal.zone}) ${how}; it was in force from ${localTime(w.start, cal.zone)} to ${localTime(endedAt, cal.zone)}.`];
  if (changes) {
    lines.push("", "While it was in force:");
    for (const a of activity) lines.push(`  ${localTime(a.t, cal.zone)}  ${a.monitor}${groupText(a.group)}: ${a.from} → ${a.to}${valueText(a.value)}`);
    lines.push(`${muted} notification${muted === 1 ? " was" : "s were"} muted.`);
  } else lines.push("Nothing changed while it was in force.");
  if (open.length) {
    lines.push("", "Still not OK:");
    for (const o of open) lines.push(`  ${o.monitor}${groupText(o.group)}: ${o.state} since ${localTime(o.since, cal.zone)}${valueText(o.value)}`);
  }
  return { subject, body: lines.join("\n") };
}
