import { DateTime } from "luxon";
import rrulePackage from "rrule";
import type { CalendarWindow } from "./calendar-schema.js";

const { rrulestr } = rrulePackage;

/** A muted interval, [start, end) in milliseconds since the epoch. */
export interface Interval {
  start: number;
  end: number;
}

/** Every occurrence of one calendar window that overlaps [from, to). */
export type Expander = (from: number, to: number) => Interval[];

const DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const FULL_DAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
const DAY_MS = 86_400_000;

/** "mon" or "Monday" → 1..7, Luxon's ISO weekday. */
function weekday(word: string): number | undefined {
  const w = word.trim().toLowerCase();
  const i = DAY_NAMES.findIndex((d, n) => w === d || w === FULL_DAY_NAMES[n]);
  return i >= 0 ? i + 1 : undefined;
}

/** "19:00" → minutes after midnight; "24:00" is midnight at the end of the day. */
export function parseClock(text: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) return undefined;
  return h * 60 + min;
}

/** "fri 19:00" → weekday and minutes. */
function parseWeekdayClock(text: string): { day: number; minutes: number } | undefined {
  const m = /^([A-Za-z]+)\s+(\S+)$/.exec(text.trim());
  if (!m) return undefined;
  const day = weekday(m[1]!);
  const minutes = parseClock(m[2]!);
  return day !== undefined && minutes !== undefined && minutes < 1440 ? { day, minutes } : undefined;
}

/** "mon-fri", "sat,sun", ["mon", "wed-thu"] → the set of weekdays, or a problem. Ranges may wrap ("fri-mon"). */
export function parseDays(days: string | string[]): { days?: Set<number>; problem?: string } {
  const parts = (Array.isArray(days) ? days : [days])
    .flatMap((d) => d.split(","))
    .map((d) => d.trim())
    .filter(Boolean);
  if (parts.length === 0) return { problem: "name at least one weekday" };
  const set = new Set<number>();
  for (const part of parts) {
    const [a, b, extra] = part.split("-");
    const from = weekday(a ?? "");
    const to = b === undefined ? from : weekday(b);
    if (from === undefined || to === undefined || extra !== undefined)
      return { problem: `"${part}" is not a weekday or a range such as "mon-fri" (use mon, tue, wed, thu, fri, sat, sun)` };
    for (let d = from; ; d = (d % 7) + 1) {
      set.add(d);
      if (d === to) break;
    }
  }
  return { days: set };
}

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

function parseLocal(text: string, zone: string): DateTime | undefined {
  const dt = DateTime.fromISO(text.trim(), { zone });
  return dt.isValid ? dt : undefined;
}

type WindowShape = "days" | "weekly" | "date" | "range" | "rrule";

function shapeOf(w: CalendarWindow): WindowShape {
  if (w.rrule !== undefined) return "rrule";
  if (w.date !== undefined) return "date";
  if (w.start !== undefined || w.end !== undefined) return "range";
  if (w.days === undefined && w.from !== undefined && parseWeekdayClock(w.from)) return "weekly";
  return "days";
}

/** Everything wrong with one window entry, each with the field it belongs to. */
export function windowProblems(w: CalendarWindow): { field?: string; message: string }[] {
  const problems: { field?: string; message: string }[] = [];
  const kinds = [w.days !== undefined && "days", w.date !== undefined && "date", w.rrule !== undefined && "rrule", w.end !== undefined && "start/end"].filter(
    Boolean,
  );
  if (kinds.length > 1) return [{ message: `use one of days, date, start/end or rrule in a window, not ${kinds.join(" and ")}` }];
  const shape = shapeOf(w);
  const clock = (field: "from" | "to") => {
    const text = w[field];
    if (text === undefined) return undefined;
    const v = parseClock(text);
    if (v === undefined) problems.push({ field, message: `expected a time "HH:MM" (00:00 to 24:00), got "${text}"` });
    return v;
  };
  switch (shape) {
    case "days": {
      if (w.days !== undefined) {
        const d = parseDays(w.days);
        if (d.problem) problems.push({ field: "days", message: d.problem });
      }
      const from = clock("from");
      const to = clock("to");
      if (from !== undefined && to !== undefined && from === to)
        problems.push({ field: "to", message: "from and to are the same time: leave both out for the whole day" });
      if (w.duration !== undefined) problems.push({ field: "duration", message: "duration goes with rrule; with days, write from and to" });
      break;
    }
    case "weekly": {
      const to = w.to === undefined ? undefined : parseWeekdayClock(w.to);
      if (!to) problems.push({ field: "to", message: `a weekday "from" ("${w.from}") needs a weekday "to" such as "mon 09:00"` });
      if (w.duration !== undefined) problems.push({ field: "duration", message: "duration goes with rrule; write a weekday and time in to" });
      break;
    }
    case "date": {
      if (!LOCAL_DATE.test(w.date!) || !DateTime.fromISO(w.date!).isValid)
        problems.push({ field: "date", message: `expected a date YYYY-MM-DD, got "${w.date}"` });
      const from = clock("from") ?? 0;
      const to = clock("to") ?? 1440;
      if (to <= from)
        problems.push({ field: "to", message: "to must be later than from on a date; for an evening that runs past midnight write start and end" });
      if (w.start !== undefined) problems.push({ field: "start", message: "start goes with rrule or end, not with date" });
      if (w.duration !== undefined) problems.push({ field: "duration", message: "duration goes with rrule" });
      break;
    }
    case "range": {
      if (w.start === undefined || w.end === undefined) {
        problems.push({ field: w.start === undefined ? "start" : "end", message: "a one-off window needs both start and end" });
        break;
      }
      const a = parseLocal(w.start, "UTC");
      const b = parseLocal(w.end, "UTC");
      if (!a) problems.push({ field: "start", message: `expected a date and time YYYY-MM-DDTHH:MM, got "${w.start}"` });
      if (!b) problems.push({ field: "end", message: `expected a date and time YYYY-MM-DDTHH:MM, got "${w.end}"` });
      if (a && b && b <= a) problems.push({ field: "end", message: "end must be later than start" });
      if (w.from !== undefined || w.to !== undefined)
        problems.push({ field: w.from !== undefined ? "from" : "to", message: "from/to go with days, date or rrule; a one-off window uses start and end" });
      break;
    }
    case "rrule": {
      const rule = w.rrule!;
      // Datadog rejects these in a downtime's RRULE (docs/datadog-semantics.md Trap 19); here the anchor is `start`, the hours `from`/`to`.
      const banned = /(^|[;\n])\s*(DTSTART|DTEND|DURATION|BYHOUR|BYMINUTE|BYSECOND)\b/i.exec(rule);
      if (banned)
        problems.push({
          field: "rrule",
          message: `${banned[2]!.toUpperCase()} is not allowed in the rule: the window's hours come from "from"/"to" (or "duration"), the first day from "start"`,
        });
      else if (/FREQ=(HOURLY|MINUTELY|SECONDLY)/i.test(rule)) problems.push({ field: "rrule", message: "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY" });
      else if (rrulePartProblem(rule)) problems.push({ field: "rrule", message: rrulePartProblem(rule)! });
      else {
        try {
          rrulestr(rule, { dtstart: new Date(Date.UTC(2000, 0, 1)) });
        } catch (err) {
          problems.push({ field: "rrule", message: `not an RFC 5545 rule: ${(err as Error).message}` });
        }
      }
      if (w.start !== undefined && !LOCAL_DATE.test(w.start))
        problems.push({ field: "start", message: `with rrule, start is the date the rule counts from (YYYY-MM-DD), got "${w.start}"` });
      const from = clock("from") ?? 0;
      const to = clock("to");
      if (to !== undefined && w.duration !== undefined) problems.push({ field: "duration", message: "give either to or duration, not both" });
      if (to !== undefined && to === from) problems.push({ field: "to", message: "from and to are the same time" });
      if (w.duration === 0) problems.push({ field: "duration", message: "duration must be longer than 0" });
      break;
    }
  }
  return problems;
}

const RRULE_PARTS: Record<string, RegExp> = {
  FREQ: /^(DAILY|WEEKLY|MONTHLY|YEARLY)$/,
  INTERVAL: /^\d+$/,
  COUNT: /^\d+$/,
  UNTIL: /^\d{8}(T\d{6}Z?)?$/,
  WKST: /^(MO|TU|WE|TH|FR|SA|SU)$/,
  BYDAY: /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)(,([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU))*$/,
  BYMONTHDAY: /^[+-]?\d{1,2}(,[+-]?\d{1,2})*$/,
  BYMONTH: /^\d{1,2}(,\d{1,2})*$/,
  BYYEARDAY: /^[+-]?\d{1,3}(,[+-]?\d{1,3})*$/,
  BYWEEKNO: /^[+-]?\d{1,2}(,[+-]?\d{1,2})*$/,
  BYSETPOS: /^[+-]?\d{1,3}(,[+-]?\d{1,3})*$/,
};

/** A readable complaint about the first malformed part of an RRULE (RFC 5545 §3.3.10), which the rrule library would reject obscurely. */
function rrulePartProblem(rule: string): string | undefined {
  const parts = rule
    .replace(/^RRULE:/i, "")
    .split(";")
    .filter(Boolean);
  if (!parts.some((p) => /^FREQ=/i.test(p))) return "the rule needs FREQ (DAILY, WEEKLY, MONTHLY or YEARLY)";
  for (const part of parts) {
    const [key, value] = part.split("=");
    const pattern = RRULE_PARTS[(key ?? "").toUpperCase()];
    if (!pattern) return `"${key}" is not a rule part (use ${Object.keys(RRULE_PARTS).join(", ")})`;
    if (value === undefined || !pattern.test(value.toUpperCase())) return `"${part}" is not a valid ${key!.toUpperCase()}`;
  }
  return undefined;
}

/** Wall-clock `minutes` after the start of a local day; 1440 is the next midnight. DST gaps move forward (Luxon). */
function at(day: DateTime, minutes: number): DateTime {
  if (minutes >= 1440) return day.plus({ days: 1 }).startOf("day");
  return day.set({ hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 });
}

/** Local days (midnight, in `zone`) from a day before `from` to a day after `to`. */
function localDays(from: number, to: number, zone: string, before = 1): DateTime[] {
  const days: DateTime[] = [];
  let d = DateTime.fromMillis(from, { zone }).startOf("day").minus({ days: before });
  const last = DateTime.fromMillis(to, { zone }).startOf("day").plus({ days: 1 });
  while (d <= last) {
    days.push(d);
    d = d.plus({ days: 1 });
  }
  return days;
}

const overlapping = (list: Interval[], from: number, to: number): Interval[] => list.filter((i) => i.end > from && i.start < to);
const interval = (a: DateTime, b: DateTime): Interval => ({ start: a.toMillis(), end: b.toMillis() });

/** Turns a validated window entry into a function listing its occurrences in any range. */
export function compileWindow(w: CalendarWindow, zone: string): Expander {
  switch (shapeOf(w)) {
    case "days": {
      const days = w.days === undefined ? new Set([1, 2, 3, 4, 5, 6, 7]) : parseDays(w.days).days!;
      const from = w.from === undefined ? 0 : parseClock(w.from)!;
      const to = w.to === undefined ? 1440 : parseClock(w.to)!;
      return (a, b) => {
        const out: Interval[] = [];
        for (const d of localDays(a, b, zone)) {
          if (!days.has(d.weekday)) continue;
          if (from < to) out.push(interval(at(d, from), at(d, to)));
          else {
            // Hours that wrap midnight apply to each listed day: its early morning and its evening.
            if (to > 0) out.push(interval(d, at(d, to)));
            out.push(interval(at(d, from), at(d, 1440)));
          }
        }
        return overlapping(out, a, b);
      };
    }
    case "weekly": {
      const from = parseWeekdayClock(w.from!)!;
      const to = parseWeekdayClock(w.to!)!;
      const span = (to.day - from.day + 7) % 7;
      return (a, b) => {
        const out: Interval[] = [];
        for (const d of localDays(a, b, zone, 8)) {
          if (d.weekday !== from.day) continue;
          const start = at(d, from.minutes);
          let end = at(d.plus({ days: span }), to.minutes);
          if (end <= start) end = at(d.plus({ days: span + 7 }), to.minutes);
          out.push(interval(start, end));
        }
        return overlapping(out, a, b);
      };
    }
    case "date": {
      const day = DateTime.fromISO(w.date!, { zone }).startOf("day");
      const i = interval(at(day, w.from === undefined ? 0 : parseClock(w.from)!), at(day, w.to === undefined ? 1440 : parseClock(w.to)!));
      return (a, b) => overlapping([i], a, b);
    }
    case "range": {
      const i = interval(parseLocal(w.start!, zone)!, parseLocal(w.end!, zone)!);
      return (a, b) => overlapping([i], a, b);
    }
    case "rrule": {
      const from = w.from === undefined ? 0 : parseClock(w.from)!;
      const to = w.to === undefined ? undefined : parseClock(w.to)!;
      const anchor = DateTime.fromISO(w.start ?? "2000-01-01", { zone: "UTC" });
      // RRULE occurrences are computed in "floating" time (UTC fields standing for local wall-clock
      // values), then placed in the calendar's zone, so a window starts at its local time all year.
      const rule = rrulestr(w.rrule!, { dtstart: new Date(Date.UTC(anchor.year, anchor.month - 1, anchor.day, Math.floor(from / 60), from % 60)) });
      return (a, b) => {
        const lo = DateTime.fromMillis(a - 8 * DAY_MS, { zone });
        const hi = DateTime.fromMillis(b + DAY_MS, { zone });
        const floating = (d: DateTime) => new Date(Date.UTC(d.year, d.month - 1, d.day));
        const out: Interval[] = [];
        for (const occ of rule.between(floating(lo), floating(hi), true)) {
          const day = DateTime.fromObject({ year: occ.getUTCFullYear(), month: occ.getUTCMonth() + 1, day: occ.getUTCDate() }, { zone });
          const start = at(day, from);
          const end =
            w.duration !== undefined
              ? start.plus({ milliseconds: w.duration })
              : to === undefined
                ? at(day, 1440)
                : to > from
                  ? at(day, to)
                  : at(day.plus({ days: 1 }), to);
          out.push(interval(start, end));
        }
        return overlapping(out, a, b);
      };
    }
  }
}

/** Sorts and joins intervals that overlap or touch: adjacent windows are one window. */
export function mergeIntervals(list: Interval[]): Interval[] {
  const sorted = [...list].sort((x, y) => x.start - y.start);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ ...i });
  }
  return out;
}
