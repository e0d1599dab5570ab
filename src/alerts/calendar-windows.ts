import { normalizeTag } from "../pipeline/normalize.js";
import { calendarFingerprint, CalendarSchedule } from "./calendar.js";
import type { Calendar } from "./calendar-schema.js";
import { endedAnnouncement, scheduledAnnouncement, startedAnnouncement, type Announcement, type StillOpen } from "./downtime-messages.js";
import { activeFor, inScope, type CalendarEntry, type GroupState, type MonitorEntry } from "./engine-entries.js";
import { isoTime, type AlertSink, type DowntimeEvent } from "./events.js";
import { oneOffAnnouncement, oneOffCalendar, oneOffName, OneOffSchedule, type OneOffDowntime } from "./one-off.js";
import type { Interval } from "./windows.js";

const DAY_MS = 86_400_000;
/** With no window ahead, look again this often (a one-off date far in the future comes into view). */
const RECHECK_MS = 30 * DAY_MS;

/** A calendar of the rules ready to run: no window in force yet. */
export function buildCalendar(def: Calendar & { source?: unknown }): CalendarEntry {
  const { source: _source, ...calendar } = def;
  return {
    def: calendar,
    schedule: new CalendarSchedule(calendar),
    fingerprint: calendarFingerprint(calendar),
    scope: calendar.scope?.map(normalizeTag),
    active: undefined,
    nextCheck: 0,
    activity: [],
    muted: 0,
  };
}

/** A snooze or one-off downtime, run as a calendar with a single window. */
export function buildOneOff(d: OneOffDowntime): CalendarEntry {
  return { ...buildCalendar(oneOffCalendar(d)), schedule: new OneOffSchedule(d), oneOff: d };
}

interface CalendarWindowsOptions {
  emit: AlertSink;
  /** The monitors a calendar mutes. */
  mutedBy: (c: CalendarEntry) => MonitorEntry[];
  /** A monitor group still not OK when a window that muted it expired notifies again. */
  notifyAtEnd: (m: MonitorEntry, group: string, gs: GroupState, now: number) => void;
}

/**
 * Calendar windows: which calendars (and snoozes and one-off downtimes) are in force, when the
 * next window starts or ends, and the downtime events announcing them.
 */
export class CalendarWindows {
  calendars: CalendarEntry[] = [];
  /** Calendars announced as scheduled, with the definition they were announced with. */
  readonly announced = new Map<string, string>();
  private readonly emit: AlertSink;
  private readonly mutedBy: CalendarWindowsOptions["mutedBy"];
  private readonly notifyAtEnd: CalendarWindowsOptions["notifyAtEnd"];

  constructor(opts: CalendarWindowsOptions) {
    this.emit = opts.emit;
    this.mutedBy = opts.mutedBy;
    this.notifyAtEnd = opts.notifyAtEnd;
  }

  /** Windows of removed or changed calendars that are no longer in force end as canceled, judged against the monitors they muted. */
  endWithdrawn(next: readonly Calendar[], now: number): void {
    const nextCalendars = new Map(next.map((def) => [def.name, def]));
    for (const c of this.calendars) {
      if (!c.active || c.oneOff) continue;
      const def = nextCalendars.get(c.def.name);
      const stillActive = def && calendarFingerprint(def) === c.fingerprint ? c.active : def ? new CalendarSchedule(def).activeAt(now) : undefined;
      if (!stillActive) this.endWindow(c, now, true);
    }
  }

  /** Puts the rules' calendars in place of the old ones, keeping snoozes and one-off downtimes; a window in force carries on. Returns the names there were. */
  replace(defs: readonly Calendar[], now: number): ReadonlySet<string> {
    const oldCalendars = new Map(this.calendars.map((c) => [c.def.name, c]));
    const oneOffs = this.calendars.filter((c) => c.oneOff);
    this.calendars = defs.map((def) => {
      const c = buildCalendar(def);
      const before = oldCalendars.get(def.name);
      if (before?.active) {
        c.active = c.schedule.activeAt(now);
        c.activity = before.activity;
        c.muted = before.muted;
      }
      return c;
    });
    this.calendars.push(...oneOffs);
    return new Set(oldCalendars.keys());
  }

  /** Announces every calendar not yet announced with its current definition; `changed` says whether it was known before. */
  announceUnannounced(now: number, changed: (name: string) => boolean): void {
    for (const c of this.calendars) if (this.announced.get(c.def.name) !== c.fingerprint) this.scheduled(c, now, changed(c.def.name));
  }

  /** The earliest of `next` and the moment a window starts or ends. */
  nextWake(next: number): number {
    for (const c of this.calendars) next = Math.min(next, c.active ? c.active.end : c.nextCheck);
    return next;
  }

  /** Starts every window due by `now`. */
  startDue(now: number): void {
    for (const c of this.calendars) {
      if (c.active || c.nextCheck > now) continue;
      const w = c.schedule.activeAt(now);
      if (w) this.startWindow(c, w, now);
      else c.nextCheck = c.schedule.nextAfter(now)?.start ?? now + RECHECK_MS;
    }
  }

  /** Closes (or extends) the windows that ended before `now`, or by `now` too when `atNow`. */
  closeEnded(now: number, atNow: boolean): void {
    for (const c of this.calendars) if (c.active && (atNow ? c.active.end <= now : c.active.end < now)) this.closeOrExtend(c, now);
  }

  private startWindow(c: CalendarEntry, w: Interval, now: number): void {
    c.active = w;
    c.activity = [];
    c.muted = 0;
    const tell = c.def.announce.includes("started") ? startedAnnouncement(c.schedule, w) : undefined;
    this.downtime(c, "started", now, w, tell);
  }

  /** A window reached its end: merged windows can run past the search horizon, so it may simply continue. */
  private closeOrExtend(c: CalendarEntry, now: number): void {
    const w = c.schedule.activeAt(now);
    if (w && w.start <= c.active!.end) c.active = w;
    else {
      this.endWindow(c, now, false);
      c.nextCheck = now;
    }
  }

  /**
   * docs/datadog-semantics.md §4.3: when a window expires, monitors still in one of its
   * `notify_end_states` notify again (unless another window still mutes them, or someone
   * acknowledged them); a canceled window (its calendar changed or removed) sends nothing, as
   * Datadog's default `notify_end_types: [expired]`. A snooze or one-off downtime canceled by
   * hand does notify: whoever cancels it wants to hear again. The recipients get the digest of
   * what happened.
   */
  endWindow(c: CalendarEntry, now: number, canceled: boolean): void {
    const w = c.active!;
    const muted = this.mutedBy(c);
    const open: { m: MonitorEntry; group: string; gs: GroupState }[] = [];
    for (const m of muted) for (const [group, gs] of m.groups) if (gs.state !== "OK" && inScope(c, m, group)) open.push({ m, group, gs });
    const announce = c.def.announce.includes("ended") || (c.def.announce.includes("digest") && c.activity.length > 0);
    const stillOpen: StillOpen[] = open.map(({ m, group, gs }) => ({ monitor: m.def.name, group, state: gs.state, since: gs.since, value: gs.value }));
    const tell = announce ? endedAnnouncement(c.schedule, w, now, canceled, c.activity, c.muted, stillOpen) : undefined;
    c.active = undefined;
    this.downtime(c, "ended", now, w, tell, canceled ? "canceled" : "expired");
    c.activity = [];
    c.muted = 0;
    if (canceled && !c.oneOff) return;
    for (const { m, group, gs } of open) {
      if (!c.def.notify_end_states.includes(gs.state) || gs.ack || activeFor(m, group, now).length > 0) continue;
      this.notifyAtEnd(m, group, gs, now);
    }
  }

  scheduled(c: CalendarEntry, now: number, changed: boolean): void {
    this.announced.set(c.def.name, c.fingerprint);
    const mutes = this.mutedBy(c).map((m) => m.def.name);
    const tell = c.oneOff
      ? oneOffAnnouncement(c.oneOff, mutes)
      : c.def.announce.includes("scheduled")
        ? scheduledAnnouncement(c.schedule, now, changed, mutes)
        : undefined;
    const next = c.schedule.activeAt(now) ?? c.schedule.nextAfter(now);
    this.downtime(c, "scheduled", now, next, tell);
  }

  /** A snooze or one-off downtime whose window is over is done: it leaves the list. Returns whether any did. */
  dropEndedOneOffs(now: number): boolean {
    const ended = this.calendars.filter((c) => c.oneOff && c.active === undefined && c.oneOff.end <= now);
    if (ended.length === 0) return false;
    for (const c of ended) this.announced.delete(oneOffName(c.oneOff!));
    this.calendars = this.calendars.filter((c) => !ended.includes(c));
    return true;
  }

  private downtime(
    c: CalendarEntry,
    event: DowntimeEvent["event"],
    now: number,
    w: Interval | undefined,
    tell: Announcement | undefined,
    reason?: DowntimeEvent["reason"],
  ): void {
    const told = tell && c.def.recipients.length > 0;
    this.emit({
      t: isoTime(now),
      type: "downtime",
      calendar: c.def.name,
      event,
      ...(w ? { start: isoTime(w.start), end: isoTime(w.end) } : {}),
      ...(reason ? { reason } : {}),
      ...(told ? { recipients: [...c.def.recipients], subject: tell.subject, body: tell.body } : {}),
    });
  }
}
