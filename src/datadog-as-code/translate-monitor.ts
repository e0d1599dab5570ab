import { mutesMonitor } from "../alerts/calendar.js";
import type { Calendar } from "../alerts/calendar-schema.js";
import type { MetricMonitor } from "../alerts/monitor-schema.js";
import { parseQuery } from "../alerts/query.js";
import type { AlertState } from "../alerts/state.js";
import type { Sourced } from "../config-kit/issues.js";
import type { Json } from "./translate-dashboard.js";
import { MANAGED_TAG, idTag, keyOf, tagSafe } from "./identity.js";

/** The tag by which a calendar's downtime finds the Datadog monitors it mutes (a downtime selects monitors by tags). */
export const calendarTag = (calendar: string): string => `hearth-calendar:${tagSafe(calendar)}`;

/** Variables Hearth's templates know and Datadog's do not (https://docs.datadoghq.com/monitors/notify/variables/). */
const HEARTH_ONLY = /\{\{\s*(group|group_label|metric|query|no_data_timeframe|monitor_name|status)\s*\}\}/g;

const DATADOG_STATE: Record<AlertState, string> = { ALERT: "alert", WARN: "warn", NO_DATA: "no data", OK: "ok" };
export const datadogStates = (states: readonly AlertState[]): string[] => states.map((s) => DATADOG_STATE[s]).sort();

/** Handles for recipients, or the names of those without one. */
export function handlesOf(recipients: readonly string[], handleOf: (name: string) => string | undefined): { handles: string[]; missing: string[] } {
  const handles: string[] = [];
  const missing: string[] = [];
  for (const r of recipients) {
    const h = handleOf(r);
    if (h) handles.push(h);
    else missing.push(r);
  }
  return { handles, missing };
}

/** What the homeowner's monitor says when it has no message of its own, in Datadog's template syntax. */
function defaultMessage(m: MetricMonitor, grouped: boolean): string {
  const on = grouped ? " on {{host.name}}" : "";
  return [
    `{{#is_alert}}${m.name}: {{value}} crossed {{threshold}}${on}.{{/is_alert}}`,
    `{{#is_warning}}${m.name}: {{value}} crossed the warning threshold {{warn_threshold}}${on}.{{/is_warning}}`,
    `{{#is_no_data}}${m.name}: no data${on}.{{/is_no_data}}`,
    `{{#is_recovery}}${m.name} recovered: {{value}}.{{/is_recovery}}`,
  ].join("\n");
}

interface MonitorTranslation {
  body: Json;
  problems: string[];
  notes: string[];
}

/** Datadog's JSON of a metric monitor, as `POST /api/v1/monitor` takes it. */
export function monitorJson(m: Sourced<MetricMonitor>, calendars: readonly Calendar[], handleOf: (name: string) => string | undefined): MonitorTranslation {
  const problems: string[] = [];
  const notes: string[] = [];
  const q = parseQuery(m.query);
  if (q.timeAggregation === "last")
    problems.push('Datadog has no "last" time aggregation: use avg, min, max or sum (https://docs.datadoghq.com/monitors/types/metric/)');
  const { handles, missing } = handlesOf(m.recipients, handleOf);
  if (missing.length)
    problems.push(
      `recipient${missing.length > 1 ? "s" : ""} ${missing.join(", ")} ha${missing.length > 1 ? "ve" : "s"} no datadog_handle in notify.recipients, so Datadog could not reach them`,
    );
  const text = m.message ?? defaultMessage(m, q.groupBy.includes("host"));
  for (const hit of text.matchAll(HEARTH_ONLY)) notes.push(`{{${hit[1]}}} is Hearth's own variable; Datadog leaves it empty`);
  const key = keyOf("monitor", m.name);
  const tags = [...new Set([...m.tags, ...calendars.filter((c) => mutesMonitor(c, m)).map((c) => calendarTag(c.name)), MANAGED_TAG, idTag(key)])].sort();
  const t = m.thresholds;
  const options: Json = {
    thresholds: {
      critical: q.threshold,
      ...(t.warning !== undefined ? { warning: t.warning } : {}),
      ...(t.critical_recovery !== undefined ? { critical_recovery: t.critical_recovery } : {}),
      ...(t.warning_recovery !== undefined ? { warning_recovery: t.warning_recovery } : {}),
    },
    notify_no_data: m.notify_no_data,
    // Datadog counts these in minutes (https://docs.datadoghq.com/monitors/guide/monitor_api_options/).
    ...(m.notify_no_data ? { no_data_timeframe: Math.round((m.no_data_timeframe ?? 2 * q.windowMs) / 60_000) } : {}),
    ...(m.renotify_interval !== undefined ? { renotify_interval: Math.round(m.renotify_interval / 60_000) } : {}),
    ...(m.renotify_statuses ? { renotify_statuses: datadogStates(m.renotify_statuses) } : {}),
    ...(m.renotify_occurrences !== undefined ? { renotify_occurrences: m.renotify_occurrences } : {}),
    require_full_window: m.datadog?.require_full_window ?? false,
    include_tags: m.datadog?.include_tags ?? true,
    ...(m.datadog?.evaluation_delay !== undefined ? { evaluation_delay: m.datadog.evaluation_delay } : {}),
  };
  const body: Json = {
    name: m.name,
    // Datadog stores a metric monitor as "query alert" whatever it was created as (the client's recorded
    // "Create a metric monitor" response), so that is what Hearth writes, and a second plan finds no change.
    type: "query alert",
    query: q.canonical,
    message: [text.trimEnd(), handles.join(" ")].filter(Boolean).join("\n\n"),
    tags,
    ...(m.datadog?.priority !== undefined ? { priority: m.datadog.priority } : {}),
    options,
  };
  return { body, problems, notes };
}
