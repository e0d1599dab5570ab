import { normalizeTag } from "../pipeline/normalize.js";
import type { Calendar } from "./calendar-schema.js";
import { compileWindow, mergeIntervals, type Expander, type Interval } from "./windows.js";

const DAY_MS = 86_400_000;
/** How far around a range windows are expanded, so a window that began earlier (a weekend) is seen whole. */
const MARGIN_MS = 8 * DAY_MS;
/** How far a search for a window's true ends, or for the next window, goes before giving up. */
const SEARCH_LIMIT_MS = 400 * DAY_MS;
const STEP_MS = 31 * DAY_MS;

/** When something mutes: a calendar's merged windows, or the one window of a snooze or one-off downtime. */
export interface Schedule {
  readonly name: string;
  /** How it is named in announcements: "Downtime quiet_hours", "Snooze of tank pH". */
  readonly title: string;
  /** The zone its times are shown in. */
  readonly zone: string;
  /** The windows that overlap [from, to), each whole. */
  windows(from: number, to: number): Interval[];
  /** The window in force at `t`, if any. */
  activeAt(t: number): Interval | undefined;
  /** The first window that starts after `t`. */
  nextAfter(t: number): Interval | undefined;
}

/**
 * A downtime calendar's windows in absolute time: every entry expanded in the calendar's IANA
 * zone (so a window ends at its local time on both sides of a DST change, docs/datadog-semantics.md
 * Trap 20), then overlapping and adjacent windows merged into one.
 */
export class CalendarSchedule implements Schedule {
  readonly name: string;
  readonly title: string;
  readonly zone: string;
  private readonly expanders: Expander[];

  constructor(readonly def: Calendar) {
    this.name = def.name;
    this.title = `Downtime ${def.name}`;
    this.zone = def.timezone;
    this.expanders = def.windows.map((w) => compileWindow(w, def.timezone));
  }

  private merged(from: number, to: number): Interval[] {
    return mergeIntervals(this.expanders.flatMap((e) => e(from, to)));
  }

  /** The merged windows that overlap [from, to), each with its whole extent (up to the search limit). */
  windows(from: number, to: number): Interval[] {
    let lo = from - MARGIN_MS;
    let hi = to + MARGIN_MS;
    for (;;) {
      const all = this.merged(lo, hi);
      const hits = all.filter((i) => i.end > from && i.start < to);
      const first = hits[0];
      const last = hits[hits.length - 1];
      const growDown = first !== undefined && first.start <= lo && from - lo < SEARCH_LIMIT_MS;
      const growUp = last !== undefined && last.end >= hi && hi - to < SEARCH_LIMIT_MS;
      if (!growDown && !growUp) return hits;
      if (growDown) lo -= STEP_MS;
      if (growUp) hi += STEP_MS;
    }
  }

  /** The window in force at `t`, if any. */
  activeAt(t: number): Interval | undefined {
    const w = this.windows(t, t + 1)[0];
    return w && w.start <= t ? w : undefined;
  }

  /** The first window that starts after `t`, looking up to 400 days ahead. */
  nextAfter(t: number): Interval | undefined {
    for (let from = t; from - t < SEARCH_LIMIT_MS; from += STEP_MS) {
      const next = this.windows(from, from + STEP_MS).find((i) => i.start > t);
      if (next) return next;
    }
    return undefined;
  }
}

/** Whether a calendar mutes a monitor: the monitor names it, or carries every one of its monitor_tags ("*" matches any monitor). */
export function mutesMonitor(calendar: Calendar, monitor: { name: string; calendars: readonly string[]; tags: readonly string[] }): boolean {
  if (monitor.calendars.includes(calendar.name)) return true;
  const wanted = calendar.monitor_tags;
  if (!wanted?.length) return false;
  const tags = new Set(monitor.tags.map(normalizeTag));
  return wanted.every((t) => t === "*" || tags.has(normalizeTag(t)));
}

/** A calendar's identity for "scheduled or changed" announcements: its whole definition, wherever it is written. */
export function calendarFingerprint(def: Calendar & { source?: unknown }): string {
  const { source: _source, ...rest } = def;
  return JSON.stringify(rest);
}
