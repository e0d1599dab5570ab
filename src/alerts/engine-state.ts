import type { Activity } from "./downtime-messages.js";
import type { CalendarEntry, GroupState, MonitorEntry } from "./engine-entries.js";
import type { OneOffDowntime } from "./one-off.js";
import type { Interval } from "./windows.js";

/** Everything the engine keeps, as JSON: persisted, it lets a restart neither re-fire nor forget. */
export interface EngineState {
  version: 1;
  monitors: Record<string, { fingerprint: string; groups: Record<string, GroupState>; data: unknown }>;
  calendars: Record<string, { fingerprint: string; active: Interval | undefined; activity: Activity[]; muted: number }>;
  /** Snoozes and one-off downtimes not yet over, and the id the next one gets. */
  one_offs?: OneOffDowntime[];
  next_one_off_id?: number;
}

/**
 * Where the state of each settled moment goes to be kept: the notifier writes it in one
 * transaction with that moment's notifications, so a restart neither re-fires nor forgets.
 */
export interface SettledStateSink {
  settle(state: EngineState): void;
}

/** The engine's state as it stands: every monitor's groups and data, every calendar's window, the snoozes and downtimes. */
export function exportState(
  monitors: readonly MonitorEntry[],
  calendars: readonly CalendarEntry[],
  announced: ReadonlyMap<string, string>,
  nextOneOffId: number,
): EngineState {
  return {
    version: 1,
    monitors: Object.fromEntries(
      monitors.map((m) => [m.def.name, { fingerprint: m.runtime.fingerprint, groups: Object.fromEntries(m.groups), data: m.runtime.snapshot() }]),
    ),
    calendars: Object.fromEntries(
      calendars.map((c) => [c.def.name, { fingerprint: announced.get(c.def.name) ?? "", active: c.active, activity: c.activity, muted: c.muted }]),
    ),
    one_offs: calendars.flatMap((c) => (c.oneOff ? [c.oneOff] : [])),
    next_one_off_id: nextOneOffId,
  };
}

/** Gives back their groups and data to the monitors that still watch what they watched when saved. */
export function restoreMonitors(monitors: readonly MonitorEntry[], saved: EngineState["monitors"]): void {
  for (const m of monitors) {
    const s = saved[m.def.name];
    if (!s || s.fingerprint !== m.runtime.fingerprint) continue;
    m.groups = new Map(Object.entries(s.groups).map(([g, gs]) => [g, { ...gs }]));
    m.runtime.restore(s.data);
  }
}

/** Remembers which calendars were announced, and gives back its window in force to each one unchanged since. */
export function restoreCalendars(calendars: readonly CalendarEntry[], announced: Map<string, string>, saved: EngineState["calendars"]): void {
  for (const c of calendars) {
    const s = saved[c.def.name];
    if (!s) continue;
    if (s.fingerprint) announced.set(c.def.name, s.fingerprint);
    if (s.active && s.fingerprint === c.fingerprint) {
      c.active = s.active;
      c.activity = s.activity;
      c.muted = s.muted;
    }
  }
}
