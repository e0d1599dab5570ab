import { DateTime } from "luxon";
import rrulePackage from "rrule";
import type { Calendar, CalendarWindow } from "../alerts/calendar-schema.js";
import { parseClock, parseDays } from "../alerts/windows.js";
import { keyOf, markerLine } from "./identity.js";
import type { Json } from "./translate-dashboard.js";
import { calendarTag, datadogStates } from "./translate-monitor.js";

const { rrulestr } = rrulePackage;

/**
 * A calendar as one v2 downtime with a recurrence per weekly window (SPECv2
 * `DowntimeScheduleRecurrencesCreateRequest`): `start` without an offset, read in
 * `schedule.timezone`; `duration` a whole number of m, h or d; `rrule` RFC 5545 without DTSTART.
 */

const BYDAY = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;
/** Recurrences count from a fixed Monday, so the same rules always give the same body (and a second plan no change). */
const ANCHOR = DateTime.fromISO("2026-01-05T00:00", { zone: "UTC" });
const DAY_MIN = 1440;

interface Recurrence {
  /** Local date and minute of the first occurrence. */
  first: DateTime;
  minutes: number;
  rrule: string;
}

interface DowntimeTranslation {
  body: Json;
  problems: string[];
  /** What plan says about the schedule: a window that crosses a daylight-saving change. */
  notes: string[];
}

const duration = (minutes: number): string => (minutes % 1440 === 0 ? `${minutes / 1440}d` : minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`);

function firstOnWeekdays(days: readonly number[], minute: number): DateTime {
  for (let i = 0; i < 7; i++) {
    const d = ANCHOR.plus({ days: i });
    if (days.includes(d.weekday)) return d.plus({ minutes: minute });
  }
  throw new Error("no weekday given");
}

function weekly(days: readonly number[], from: number, minutes: number): Recurrence {
  const sorted = [...days].sort();
  return { first: firstOnWeekdays(sorted, from), minutes, rrule: `FREQ=WEEKLY;INTERVAL=1;BYDAY=${sorted.map((d) => BYDAY[d - 1]).join(",")}` };
}

const weekdayClock = (text: string): { day: number; minute: number } | undefined => {
  const m = /^([A-Za-z]+)\s+(\S+)$/.exec(text.trim());
  const day = m ? parseDays(m[1]!).days : undefined;
  const minute = m ? parseClock(m[2]!) : undefined;
  return day && day.size === 1 && minute !== undefined ? { day: [...day][0]!, minute } : undefined;
};

/** The recurrences of one window, or why it has none in Datadog. */
function recurrencesOf(w: CalendarWindow): Recurrence[] | string {
  if (w.date !== undefined || (w.rrule === undefined && (w.start !== undefined || w.end !== undefined)))
    return "a one-off window has no Datadog recurrence; schedule it with `hearth downtime add --datadog`";
  if (w.rrule !== undefined) {
    const from = parseClock(w.from ?? "00:00") ?? 0;
    const to = w.to !== undefined ? parseClock(w.to)! : undefined;
    const minutes =
      w.duration !== undefined ? Math.round(w.duration / 60_000) : to === undefined ? DAY_MIN - from : to > from ? to - from : to + DAY_MIN - from;
    const anchor = w.start ? DateTime.fromISO(w.start.slice(0, 10), { zone: "UTC" }) : ANCHOR;
    const rule = rrulestr(w.rrule, { dtstart: anchor.toJSDate() });
    const next = rule.after(anchor.minus({ milliseconds: 1 }).toJSDate(), true);
    if (!next) return "the rule has no occurrence";
    return [{ first: DateTime.fromJSDate(next, { zone: "UTC" }).startOf("day").plus({ minutes: from }), minutes, rrule: w.rrule }];
  }
  const spanFrom = w.from ? weekdayClock(w.from) : undefined;
  const spanTo = w.to ? weekdayClock(w.to) : undefined;
  if (spanFrom && spanTo) {
    let minutes = ((spanTo.day - spanFrom.day + 7) % 7) * DAY_MIN + spanTo.minute - spanFrom.minute;
    if (minutes <= 0) minutes += 7 * DAY_MIN;
    return [weekly([spanFrom.day], spanFrom.minute, minutes)];
  }
  const days = w.days === undefined ? [1, 2, 3, 4, 5, 6, 7] : [...(parseDays(w.days).days ?? [])];
  const from = parseClock(w.from ?? "00:00") ?? 0;
  const to = parseClock(w.to ?? "24:00") ?? DAY_MIN;
  if (to > from) return [weekly(days, from, to - from)];
  // A `to` earlier than `from` mutes each listed day until `to` and again from `from` (the calendar's own rule).
  return [...(to > 0 ? [weekly(days, 0, to)] : []), weekly(days, from, DAY_MIN - from)];
}

/**
 * Datadog keeps a recurrence's duration fixed; across a daylight-saving change that moves the
 * local end by an hour. Hearth lengthens such a recurrence to its longest occurrence, so no
 * occurrence ends before its local end time, and says so.
 */
function keepLocalEnd(r: Recurrence, zone: string, rule: string): { minutes: number; note?: string } {
  const local = (d: DateTime) => DateTime.fromObject({ year: d.year, month: d.month, day: d.day, hour: d.hour, minute: d.minute }, { zone });
  const starts = rrulestr(rule, { dtstart: r.first.toJSDate() }).between(r.first.toJSDate(), r.first.plus({ years: 2 }).toJSDate(), true);
  let longest = r.minutes;
  const crossing: string[] = [];
  for (const s of starts) {
    const start = local(DateTime.fromJSDate(s, { zone: "UTC" }));
    const end = local(DateTime.fromJSDate(s, { zone: "UTC" }).plus({ minutes: r.minutes }));
    const real = Math.round(end.diff(start, "minutes").minutes);
    if (real !== r.minutes) {
      crossing.push(start.toISODate()!);
      longest = Math.max(longest, real);
    }
  }
  if (!crossing.length) return { minutes: r.minutes };
  const what =
    longest > r.minutes
      ? `kept as ${duration(longest)} so it still ends at its local time on ${crossing.slice(0, 2).join(" and ")}, and runs ${longest - r.minutes} minutes longer on other weeks`
      : `ends an hour late on ${crossing.slice(0, 2).join(" and ")}`;
  return {
    minutes: longest,
    note: `the window ${rule} from ${r.first.toFormat("HH:mm")} for ${duration(r.minutes)} crosses a daylight-saving change: ${what}`,
  };
}

export function downtimeJson(c: Calendar, handleOf: (name: string) => string | undefined): DowntimeTranslation {
  const problems: string[] = [];
  const notes: string[] = [];
  const recurrences: Json[] = [];
  c.windows.forEach((w, i) => {
    const r = recurrencesOf(w);
    if (typeof r === "string") return problems.push(`windows[${i}]: ${r}`);
    for (const one of r) {
      const kept = keepLocalEnd(one, c.timezone, one.rrule);
      if (kept.note) notes.push(kept.note);
      recurrences.push({ start: one.first.toFormat("yyyy-MM-dd'T'HH:mm"), duration: duration(kept.minutes), rrule: one.rrule });
    }
  });
  const handles: string[] = [];
  for (const r of c.recipients) {
    const h = handleOf(r);
    if (h) handles.push(h);
    else problems.push(`recipient ${r} has no datadog_handle in notify.recipients, so Datadog could not tell them the downtime is scheduled`);
  }
  const key = keyOf("downtime", c.name);
  // Datadog tells the message's @-handles when the downtime is scheduled, started, cancelled or expired
  // (https://docs.datadoghq.com/monitors/downtimes/#notifications).
  const message = [`Quiet hours "${c.name}" (${c.timezone}): Hearth's monitors are muted in these windows.`, handles.join(" "), markerLine(key)]
    .filter(Boolean)
    .join("\n\n");
  const scope = c.scope?.length ? c.scope.join(" AND ") : "*";
  const body: Json = {
    scope,
    monitor_identifier: { monitor_tags: [calendarTag(c.name)] },
    message,
    display_timezone: c.timezone,
    mute_first_recovery_notification: c.mute_first_recovery_notification,
    notify_end_states: datadogStates(c.notify_end_states),
    // A window that ends is "expired"; Hearth's calendars are never cancelled by hand.
    notify_end_types: ["expired"],
    schedule: { timezone: c.timezone, recurrences },
  };
  return { body, problems, notes };
}
