import { DateTime } from "luxon";
import type { CalendarSchedule } from "./calendar.js";
import type { Interval } from "./windows.js";

/**
 * Windows as people read them: in the calendar's own time zone (with the offset, so both sides
 * of a daylight-saving change are unambiguous) and in UTC. Used by `hearth downtime preview`,
 * the "scheduled" announcement and /api/downtimes.
 */

export const localTime = (ms: number, zone: string): string => DateTime.fromMillis(ms, { zone }).toFormat("ccc yyyy-LL-dd HH:mm ZZ");
const utcTime = (ms: number): string => DateTime.fromMillis(ms, { zone: "UTC" }).toFormat("yyyy-LL-dd HH:mm'Z'");

/** A window's length in hours and minutes ("14h", "61h", "4h30m"): a weekend across a DST change reads 61h or 63h. */
export function windowLength(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h && m ? `${h}h${m}m` : h ? `${h}h` : `${m}m`;
}

export interface WindowView {
  start: string;
  end: string;
  start_local: string;
  end_local: string;
  length: string;
}

export function windowView(w: Interval, zone: string): WindowView {
  return {
    start: new Date(w.start).toISOString().replace(".000Z", "Z"),
    end: new Date(w.end).toISOString().replace(".000Z", "Z"),
    start_local: DateTime.fromMillis(w.start, { zone }).toISO({ suppressMilliseconds: true })!,
    end_local: DateTime.fromMillis(w.end, { zone }).toISO({ suppressMilliseconds: true })!,
    length: windowLength(w.end - w.start),
  };
}

/** One line per window: local start → end, its length, and the same in UTC. */
export function windowLine(w: Interval, zone: string): string {
  return `${localTime(w.start, zone)} → ${localTime(w.end, zone)}  ${windowLength(w.end - w.start).padStart(6)}   UTC ${utcTime(w.start)} → ${utcTime(w.end)}`;
}

/** A calendar's windows overlapping [from, to), as text. */
export function previewCalendar(cal: CalendarSchedule, from: number, to: number, mutes: readonly string[]): string {
  const windows = cal.windows(from, to);
  const head = `${cal.name} (${cal.zone})${mutes.length ? `, mutes: ${mutes.join(", ")}` : ", mutes no monitor"}`;
  const lines = windows.length ? windows.map((w) => `  ${windowLine(w, cal.zone)}`) : ["  no window in this period"];
  return [head, ...lines].join("\n");
}
