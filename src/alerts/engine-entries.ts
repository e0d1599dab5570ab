import type { Schedule } from "./calendar.js";
import type { Calendar } from "./calendar-schema.js";
import type { Activity } from "./downtime-messages.js";
import type { Monitor } from "./monitor-schema.js";
import type { OneOffDowntime } from "./one-off.js";
import type { MonitorRuntime } from "./runtime.js";
import type { AlertState } from "./state.js";
import type { Template, TemplateContext } from "./templates.js";
import type { Interval } from "./windows.js";

/** One group of one monitor: its state and the times its messages and re-notifications need. */
export interface GroupState {
  state: AlertState;
  since: number;
  value: number | null;
  /** Set when the group leaves OK (Datadog's first_triggered_at), kept until it is OK again. */
  firstTriggeredAt: number | undefined;
  /** Set on every change to a non-OK state, WARN↔ALERT included (docs/datadog-semantics.md Trap 14). */
  lastTriggeredAt: number | undefined;
  /** The last notification, sent or muted: re-notification counts from it. */
  lastNotifiedAt: number | undefined;
  renotified: number;
  /** The latest type-specific template variables (who is home), for reminders. */
  vars: TemplateContext;
  /** Someone acknowledged the current state: no reminders until it changes. */
  ack?: { at: number; by?: string };
}

/** A monitor as the engine runs it: its definition, its type's runtime, its compiled messages and its groups. */
export interface MonitorEntry {
  def: Monitor;
  runtime: MonitorRuntime;
  subject: Template;
  message: Template;
  renotifyStates: ReadonlySet<AlertState>;
  groups: Map<string, GroupState>;
  /** The calendars that mute this monitor (by name or by monitor_tags), sorted by name. */
  calendars: CalendarEntry[];
}

/** A calendar (or a snooze or one-off downtime) as the engine runs it: its schedule and the window in force. */
export interface CalendarEntry {
  def: Calendar;
  schedule: Schedule;
  /** Set for a snooze or a one-off downtime, which lives until its window ends. */
  oneOff?: OneOffDowntime;
  fingerprint: string;
  scope: string[] | undefined;
  /** The window in force, if any. */
  active: Interval | undefined;
  /** When to look again whether a window has started. */
  nextCheck: number;
  /** State changes of the monitors it muted, and how many notifications it muted, during the window in force. */
  activity: Activity[];
  muted: number;
}

/** Whether a calendar's scope (if it has one) covers a monitor group: the group carries every tag of it. */
export function inScope(c: CalendarEntry, m: MonitorEntry, group: string): boolean {
  if (!c.scope) return true;
  const tags = m.runtime.scopeTags(group);
  return c.scope.every((t) => tags.includes(t));
}

/** The calendars in force for a monitor group at `now`, sorted by name. */
export function activeFor(m: MonitorEntry, group: string, now: number): CalendarEntry[] {
  return m.calendars.filter((c) => c.active && c.active.start <= now && now < c.active.end && inScope(c, m, group));
}
