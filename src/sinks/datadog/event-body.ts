import type { AlertEvent } from "../../alerts/events.js";
import type { AlertState } from "../../alerts/state.js";
import { normalizeTag } from "../../pipeline/normalize.js";

/**
 * One event for `POST /api/v1/events`, the v1 EventCreateRequest's fields on the wire (the
 * client's `EventCreateRequest` model documents each): title and text are required; text is
 * "limited to 4000 characters"; aggregation_key "to 100 characters"; date_happened is POSIX
 * seconds, "limited to events no older than 18 hours".
 */
export interface DatadogEventBody {
  title: string;
  text: string;
  date_happened: number;
  host: string;
  tags: string[];
  alert_type: "error" | "warning" | "info" | "success";
  aggregation_key: string;
  source_type_name: string;
  priority: "normal" | "low";
}

/** Datadog refuses events older than this (EventCreateRequest.date_happened). */
export const EVENT_MAX_AGE_MS = 18 * 3_600_000;

/** The alert type Datadog draws each state with: red, yellow, green, as its own monitor events are. */
const ALERT_TYPE: Record<AlertState, DatadogEventBody["alert_type"]> = { OK: "success", WARN: "warning", ALERT: "error", NO_DATA: "warning" };

const cut = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);
const on = (group: string) => (group === "*" ? "" : ` {${group}}`);

/**
 * The Datadog event for a monitor transition or a downtime start or end; undefined for what is not
 * one (notifications and acknowledgements are Hearth's deliveries, announcements are scheduling).
 * Tags are written as Datadog would normalise them (lower case, `_` for what a tag cannot hold),
 * so a search for `monitor:my_metric_high` finds what was sent.
 */
export function eventBody(e: AlertEvent, host: string, extraTags: readonly string[]): DatadogEventBody | undefined {
  const base = { date_happened: Math.floor(Date.parse(e.t) / 1000), host, source_type_name: "hearth", priority: "normal" as const };
  if (e.type === "transition") {
    const tags = [`monitor:${e.monitor}`, ...(e.group === "*" ? [] : [`group:${e.group}`, ...e.group.split(",")]), "source:hearth", ...extraTags];
    return {
      ...base,
      title: cut(`[Hearth] ${e.monitor}${on(e.group)}: ${e.from} → ${e.to}`, 100),
      text: cut(`Hearth's monitor "${e.monitor}"${on(e.group)} went from ${e.from} to ${e.to}${e.value === null ? "" : ` at ${e.value}`}.`, 4000),
      tags: [...new Set(tags.map(normalizeTag))],
      alert_type: ALERT_TYPE[e.to],
      aggregation_key: cut(`hearth:monitor:${e.monitor}:${e.group}`, 100),
    };
  }
  if (e.type === "downtime" && e.event !== "scheduled") {
    const how = e.event === "started" ? `started, until ${e.end ?? "its end"}` : `ended${e.reason === "canceled" ? " (its calendar changed)" : ""}`;
    return {
      ...base,
      title: cut(`[Hearth] Downtime ${e.calendar} ${e.event}`, 100),
      text: cut(`Hearth's downtime calendar "${e.calendar}" ${how}.`, 4000),
      tags: [...new Set([`downtime:${e.calendar}`, "source:hearth", ...extraTags].map(normalizeTag))],
      alert_type: "info",
      aggregation_key: cut(`hearth:downtime:${e.calendar}`, 100),
    };
  }
  return undefined;
}
