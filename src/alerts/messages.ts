import { formatDuration } from "../config-kit/common.js";
import type { AlertState } from "./state.js";
import type { TemplateContext, TemplateVocabulary } from "./templates.js";

/**
 * What a monitor's templates can use, and what they say when the homeowner writes none.
 * Variable names follow Datadog's (docs/datadog-semantics.md §3.4); the "nobody home" ones are Hearth's.
 */

/** The state blocks of Datadog's template syntax. */
const STATE_FLAGS = [
  "is_alert",
  "is_warning",
  "is_no_data",
  "is_recovery",
  "is_warning_recovery",
  "is_alert_recovery",
  "is_alert_to_warning",
  "is_no_data_recovery",
  "is_renotify",
] as const;

export const COMMON_VARIABLES = [
  ...STATE_FLAGS,
  "value",
  "status",
  "monitor_name",
  "group",
  "group_label",
  "host",
  "first_triggered_at",
  "first_triggered_at_epoch",
  "last_triggered_at",
  "last_triggered_at_epoch",
  "triggered_duration_sec",
];

export const metricVocabulary = (groupBy: readonly string[]): TemplateVocabulary => ({
  variables: [
    ...COMMON_VARIABLES,
    "threshold",
    "warn_threshold",
    "alert_recovery_threshold",
    "warn_recovery_threshold",
    "comparator",
    "query",
    "metric",
    "no_data_timeframe",
    ...groupBy,
  ],
});

export const nobodyHomeVocabulary: TemplateVocabulary = {
  variables: [
    ...COMMON_VARIABLES,
    "appliance",
    "on_since",
    "on_since_epoch",
    "on_for",
    "presence",
    "people_home",
    "reason",
    "is_presence_unknown",
    "is_turned_off",
    "is_someone_home",
  ],
};

/** Why a notification is sent: a state change, a reminder, or the end of a downtime window with the monitor still not OK. */
export type NotificationKind = "transition" | "renotify" | "window_end";

/** The Datadog-style blocks that are true for a change from `from` to `to` (docs/datadog-semantics.md §3.3, §3.4). */
export function stateFlags(from: AlertState, to: AlertState, kind: NotificationKind): Record<(typeof STATE_FLAGS)[number], boolean> {
  const change = kind === "transition";
  return {
    is_alert: to === "ALERT",
    is_warning: to === "WARN",
    is_no_data: to === "NO_DATA",
    is_recovery: change && to === "OK",
    is_alert_recovery: change && from === "ALERT" && to === "OK",
    is_warning_recovery: change && from === "WARN" && to === "OK",
    is_no_data_recovery: change && from === "NO_DATA" && to === "OK",
    is_alert_to_warning: change && from === "ALERT" && to === "WARN",
    is_renotify: kind === "renotify",
  };
}

const STATUS: Record<AlertState, string> = { ALERT: "Triggered", WARN: "Warn", NO_DATA: "No data", OK: "Recovered" };

/** The word for the subject: Datadog's "[Triggered on {…}]" style, "Still …" for a reminder. */
export function statusWord(state: AlertState, kind: NotificationKind): string {
  return kind === "renotify" ? `Still ${STATUS[state].toLowerCase()}` : STATUS[state];
}

/** Datadog renders times as "2026-01-05 19:04:00 UTC". */
export const formatTime = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;

/** A value as a message shows it: whole numbers as they are, others to two decimals (or three significant digits below 1). */
export function displayValue(v: number): number {
  if (Number.isInteger(v)) return v;
  return Math.abs(v) >= 1 ? Math.round(v * 100) / 100 : Number(v.toPrecision(3));
}

/** Group tags as template objects: "appliance:stove,room:kitchen" → {appliance: {name: "stove"}, room: {name: "kitchen"}}. */
export function groupVariables(group: string): TemplateContext {
  if (group === "*") return {};
  const out: TemplateContext = {};
  for (const part of group.split(",")) {
    const i = part.indexOf(":");
    out[part.slice(0, i)] = { name: part.slice(i + 1) };
  }
  return out;
}

export const defaultSubject = "[{{status}}{{#if group_label}} on {{group_label}}{{/if}}] {{monitor_name}}";

export const defaultMetricMessage = `{{#is_alert}}
{{metric}} is {{value}}, past the critical threshold ({{comparator}} {{threshold}}) on {{host.name}} ({{host.ip}}).
{{/is_alert}}
{{#is_warning}}
{{metric}} is {{value}}, past the warning threshold ({{comparator}} {{warn_threshold}}) on {{host.name}} ({{host.ip}}).
{{/is_warning}}
{{#is_no_data}}
No data for {{metric}} for {{no_data_timeframe}} on {{host.name}} ({{host.ip}}).
{{/is_no_data}}
{{#is_recovery}}
{{metric}} is back to normal: {{value}} on {{host.name}} ({{host.ip}}).
{{/is_recovery}}
Query: {{query}}`;

export const defaultNobodyHomeMessage = `{{#is_alert}}
The {{appliance.name}} has been on since {{on_since}} ({{on_for}}) and {{presence}}.
{{/is_alert}}
{{#is_recovery}}
The {{appliance.name}} is no longer left on with nobody home: {{reason}}.
{{/is_recovery}}`;

export const formatFor = (ms: number): string => formatDuration(Math.round(ms / 60_000) * 60_000);
