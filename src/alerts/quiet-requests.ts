import { suggestion } from "../config-kit/issues.js";
import { normalizeTag } from "../pipeline/normalize.js";
import type { GroupState, MonitorEntry } from "./engine-entries.js";
import { isoTime, type AlertEvent } from "./events.js";
import { formatTime } from "./messages.js";
import type { OneOffDowntime } from "./one-off.js";
import { RequestError } from "./request-error.js";

export interface SnoozeRequest {
  monitor: string;
  group?: string;
  forMs: number;
  reason?: string;
  by?: string;
  timezone?: string;
}

export interface DowntimeRequest {
  forMs: number;
  scope?: string[];
  reason?: string;
  by?: string;
  timezone?: string;
}

export interface AckRequest {
  monitor: string;
  group?: string;
  by?: string;
}

/** What a snooze or one-off downtime covers and who hears of it; the engine gives it its id and window. */
type OneOffWhat = Pick<OneOffDowntime, "kind" | "monitor" | "group" | "scope" | "recipients">;

/** The zone announcements use when the asker gives none: the hub's own. */
const localZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** The monitor a request names (and the group, if it names one), or why there is none. */
export function requestedMonitor(monitors: readonly MonitorEntry[], name: string, group: string | undefined): MonitorEntry {
  const m = monitors.find((x) => x.def.name === name);
  if (!m)
    throw new RequestError(
      "not_found",
      `no monitor named "${name}"${suggestion(
        name,
        monitors.map((x) => x.def.name),
      )}`,
    );
  if (group !== undefined && !m.groups.has(group)) {
    const known = [...m.groups.keys()];
    throw new RequestError(
      "not_found",
      `monitor "${m.def.name}" has no group "${group}"${suggestion(group, known)}${known.length ? `; its groups: ${known.join(" ")}` : ""}`,
    );
  }
  return m;
}

/** A snooze of one monitor (or one group of it), told to the monitor's recipients. */
export const snoozeOf = (m: MonitorEntry, group: string | undefined): OneOffWhat => ({
  kind: "snooze",
  monitor: m.def.name,
  ...(group !== undefined ? { group } : {}),
  recipients: [...m.def.recipients],
});

/** A downtime of every monitor (only the groups carrying all of `scope`, if given), told to every monitor's recipients. */
export function downtimeOf(monitors: readonly MonitorEntry[], scope: readonly string[] | undefined): OneOffWhat {
  const tags = scope?.map(normalizeTag);
  const recipients = [...new Set(monitors.flatMap((m) => m.def.recipients))].sort();
  return { kind: "downtime", ...(tags?.length ? { scope: tags } : {}), recipients };
}

/** A snooze or one-off downtime from `now` for `forMs`, or why it cannot be one. */
export function oneOffFrom(id: number, what: OneOffWhat, req: Omit<DowntimeRequest, "scope">, now: number): OneOffDowntime {
  if (!(req.forMs > 0)) throw new RequestError("invalid", "the duration must be longer than zero");
  return {
    id,
    ...what,
    start: now,
    end: now + req.forMs,
    ...(req.reason ? { reason: req.reason } : {}),
    ...(req.by ? { by: req.by } : {}),
    timezone: req.timezone ?? localZone(),
  };
}

/** The groups an acknowledgement covers: the one named, or every group of the monitor that is not OK. */
export function groupsToAcknowledge(m: MonitorEntry, group: string | undefined): [string, GroupState][] {
  const targets = [...m.groups].filter(([g, gs]) => (group === undefined || g === group) && gs.state !== "OK");
  if (targets.length === 0) throw new RequestError("conflict", `nothing to acknowledge: ${m.def.name}${group ? ` {${group}}` : ""} is OK`);
  return targets;
}

/** The event telling a monitor's recipients who acknowledged which group. */
export function acknowledgement(m: MonitorEntry, group: string, gs: GroupState, by: string | undefined, now: number): AlertEvent {
  const where = group === "*" ? "" : ` {${group}}`;
  return {
    t: isoTime(now),
    type: "acknowledgement",
    monitor: m.def.name,
    group,
    state: gs.state,
    recipients: [...m.def.recipients],
    subject: `[Acknowledged${group === "*" ? "" : ` on {${group}}`}] ${m.def.name}`,
    body: `${by ?? "Someone"} acknowledged ${m.def.name}${where}, ${gs.state} since ${formatTime(gs.since)}: no reminders until its state changes.`,
    ...(by ? { by } : {}),
  };
}

/** A cancel that names no snooze or downtime in force. */
export const noSuchOneOff = (id: number): RequestError =>
  new RequestError("not_found", `no snooze or downtime ${id} is in force (hearth downtime list shows them)`);
