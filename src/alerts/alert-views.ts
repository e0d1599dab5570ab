import { readableNumber } from "../kit/readable-number.js";
import { activeFor, type CalendarEntry, type MonitorEntry } from "./engine-entries.js";
import { isoTime } from "./events.js";
import type { Monitor } from "./monitor-schema.js";
import { windowView, type WindowView } from "./preview.js";
import type { AlertState } from "./state.js";

const DAY_MS = 86_400_000;

/** One monitor group as /api/alerts, the status page and `hearth ack` show it. */
export interface AlertView {
  monitor: string;
  type: Monitor["type"];
  group: string;
  state: AlertState;
  value: number | null;
  since: string;
  muted: boolean;
  muted_by?: string;
  acknowledged_by?: string;
  acknowledged_at?: string;
}

/** One calendar as /api/downtimes and `hearth downtime list` show it. */
export interface DowntimeView {
  name: string;
  timezone: string;
  monitors: string[];
  active: WindowView | null;
  windows: WindowView[];
}

/** Every monitor group, not-OK first: what /api/alerts and the status page show. */
export function alertViews(monitors: readonly MonitorEntry[], now: number): AlertView[] {
  const views: AlertView[] = [];
  for (const m of monitors) {
    for (const [group, gs] of m.groups) {
      const muting = activeFor(m, group, now)[0];
      const ack = gs.ack ? { ...(gs.ack.by ? { acknowledged_by: gs.ack.by } : {}), acknowledged_at: isoTime(gs.ack.at) } : {};
      views.push({
        monitor: m.def.name,
        type: m.def.type,
        group,
        state: gs.state,
        value: gs.value === null ? null : readableNumber(gs.value),
        since: isoTime(gs.since),
        muted: muting !== undefined,
        ...(muting ? { muted_by: muting.def.name } : {}),
        ...ack,
      });
    }
  }
  const rank = (s: AlertState) => ({ ALERT: 0, NO_DATA: 1, WARN: 2, OK: 3 })[s];
  return views.sort((a, b) => rank(a.state) - rank(b.state) || a.monitor.localeCompare(b.monitor) || a.group.localeCompare(b.group));
}

/** Each calendar of the rules with the window in force and the windows of the next `days` days. */
export function downtimeViews(monitors: readonly MonitorEntry[], calendars: readonly CalendarEntry[], now: number, days: number): DowntimeView[] {
  return calendars
    .filter((c) => !c.oneOff)
    .map((c) => ({
      name: c.def.name,
      timezone: c.def.timezone,
      monitors: monitors.filter((m) => m.calendars.includes(c)).map((m) => m.def.name),
      active: c.active ? windowView(c.active, c.def.timezone) : null,
      windows: c.schedule.windows(now, now + days * DAY_MS).map((w) => windowView(w, c.def.timezone)),
    }));
}
