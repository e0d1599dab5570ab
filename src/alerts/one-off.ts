import { DateTime } from "luxon";
import type { Schedule } from "./calendar.js";
import type { Calendar } from "./calendar-schema.js";
import type { Announcement } from "./downtime-messages.js";
import { localTime, windowLength } from "./preview.js";
import type { Interval } from "./windows.js";

/**
 * Quieting on purpose, beside the calendars of rules/: a snooze (one monitor, or one group of
 * it, for a while) and a one-off downtime (every monitor, or the groups carrying given tags).
 * Each is one window from the moment it is asked for, muted the way a calendar mutes
 * (docs/datadog-semantics.md §4.3), announced to the people it concerns when it is set and when it ends.
 */
export interface OneOffDowntime {
  id: number;
  kind: "snooze" | "downtime";
  /** A snooze's monitor, and the group when only one is snoozed. */
  monitor?: string;
  group?: string;
  /** A downtime's tags: only the groups (and queries) carrying all of them are muted. */
  scope?: string[];
  start: number;
  end: number;
  reason?: string;
  /** Who asked, as the command line or API client said ("alex@laptop"). */
  by?: string;
  /** The zone its times are shown in: the asker's. */
  timezone: string;
  /** Who hears about it: the snoozed monitor's recipients, or those of every monitor a downtime mutes. */
  recipients: string[];
}

/** What /api/downtimes and `hearth downtime list` show of one. */
export interface OneOffView {
  id: number;
  kind: OneOffDowntime["kind"];
  monitor?: string;
  group?: string;
  scope?: string[];
  start: string;
  end: string;
  end_local: string;
  reason?: string;
  by?: string;
  recipients: string[];
}

/** "snooze #3": how `muted_by` names it; a calendar's name cannot hold " #", so the two never clash. */
export const oneOffName = (d: Pick<OneOffDowntime, "kind" | "id">): string => `${d.kind} #${d.id}`;

const groupText = (group: string | undefined) => (group === undefined || group === "*" ? "" : ` {${group}}`);

/** "Snooze of tank pH {tank:tank1}", "Downtime 4": how announcements name it. */
function oneOffTitle(d: OneOffDowntime): string {
  return d.kind === "snooze" ? `Snooze of ${d.monitor}${groupText(d.group)}` : `Downtime ${d.id}${d.scope?.length ? ` on ${d.scope.join(", ")}` : ""}`;
}

/** The single window of a snooze or one-off downtime, answering like a calendar's schedule. */
export class OneOffSchedule implements Schedule {
  readonly name: string;
  readonly title: string;
  readonly zone: string;
  private readonly window: Interval;

  constructor(d: OneOffDowntime) {
    this.name = oneOffName(d);
    this.title = oneOffTitle(d);
    this.zone = d.timezone;
    this.window = { start: d.start, end: d.end };
  }

  windows(from: number, to: number): Interval[] {
    return this.window.end > from && this.window.start < to ? [this.window] : [];
  }

  activeAt(t: number): Interval | undefined {
    return this.window.start <= t && t < this.window.end ? this.window : undefined;
  }

  nextAfter(t: number): Interval | undefined {
    return this.window.start > t ? this.window : undefined;
  }
}

/**
 * The calendar a one-off acts as: a downtime mutes every monitor (narrowed by its scope), a
 * snooze only its monitor (the engine links it by name). It announces when it is set and when it
 * ends, and at its end the monitors still not OK notify again, as when a calendar's window expires.
 */
export function oneOffCalendar(d: OneOffDowntime): Calendar {
  return {
    name: oneOffName(d),
    timezone: d.timezone,
    windows: [],
    ...(d.kind === "downtime" ? { monitor_tags: ["*"] } : {}),
    ...(d.kind === "snooze" && d.group && d.group !== "*" ? { scope: d.group.split(",") } : d.scope?.length ? { scope: d.scope } : {}),
    mute_first_recovery_notification: false,
    notify_end_states: ["ALERT", "WARN", "NO_DATA"],
    recipients: d.recipients,
    announce: ["scheduled", "ended"],
  };
}

const shortTime = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toFormat("ccc HH:mm");

/** What the people concerned read when a snooze or downtime is set. */
export function oneOffAnnouncement(d: OneOffDowntime, mutes: readonly string[]): Announcement {
  const length = windowLength(d.end - d.start);
  const who = d.by ? ` by ${d.by}` : "";
  const why = d.reason ? `: ${d.reason}` : "";
  const until = `until ${localTime(d.end, d.timezone)} (${length})`;
  if (d.kind === "snooze") {
    return {
      subject: `Snoozed: ${d.monitor}${groupText(d.group)} until ${shortTime(d.end, d.timezone)}${why}`,
      body: [
        `${d.monitor}${d.group && d.group !== "*" ? ` {${d.group}}` : ""} is snoozed${who} from ${localTime(d.start, d.timezone)} ${until}${why}.`,
        "Its notifications are held until then; if it is still not OK when the snooze ends, you hear about it then.",
      ].join("\n"),
    };
  }
  const where = d.scope?.length ? ` for the groups tagged ${d.scope.join(", ")}` : "";
  return {
    subject: `Downtime ${d.id} until ${shortTime(d.end, d.timezone)}${why}`,
    body: [
      `A downtime${who} mutes every monitor${where} from ${localTime(d.start, d.timezone)} ${until}${why}.`,
      `Monitors now: ${mutes.length ? mutes.join(", ") : "none"}.`,
      "Notifications are held until then; monitors still not OK at its end notify then.",
    ].join("\n"),
  };
}

export function oneOffView(d: OneOffDowntime): OneOffView {
  const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
  return {
    id: d.id,
    kind: d.kind,
    ...(d.monitor !== undefined ? { monitor: d.monitor } : {}),
    ...(d.group !== undefined ? { group: d.group } : {}),
    ...(d.scope !== undefined ? { scope: d.scope } : {}),
    start: iso(d.start),
    end: iso(d.end),
    end_local: DateTime.fromMillis(d.end, { zone: d.timezone }).toISO({ suppressMilliseconds: true })!,
    ...(d.reason !== undefined ? { reason: d.reason } : {}),
    ...(d.by !== undefined ? { by: d.by } : {}),
    recipients: d.recipients,
  };
}
