import { COMMON_VARIABLES } from "./messages.js";
import type { TemplateVocabulary } from "./templates.js";

/**
 * What Hearth watches in itself. Each check gives, per group, a number compared with the
 * monitor's thresholds (`>=`): built-in monitors named `hearth.<check>` use them, and a rules
 * entry of the same name replaces (or, with `enabled: false`, turns off) the built-in one.
 */
export const HEARTH_CHECKS = {
  datadog_key: {
    what: "Datadog refuses the API key: 1 while it does, 0 otherwise",
    thresholds: { critical: 1 },
    for: 0,
    groupBy: [],
    subject: "[{{status}}] Hearth: Datadog refuses the API key",
    message: `{{#is_alert}}Datadog refuses Hearth's API key (403): nothing reaches Datadog, every point waits in the local store. Set a valid datadog.api_key (or DD_API_KEY) for your site and reload (SIGHUP); sending resumes where it stopped.{{/is_alert}}
{{#is_recovery}}Datadog accepts the API key again; the points that waited are being sent.{{/is_recovery}}
{{detail}}`,
  },
  datadog_backlog: {
    what: "the age in minutes of the oldest point not yet delivered to Datadog",
    thresholds: { critical: 45, warning: 30 },
    for: 0,
    groupBy: [],
    subject: "[{{status}}] Hearth: points wait for Datadog",
    message: `{{#is_alert}}The oldest point not yet delivered to Datadog is {{value}} minutes old. Datadog does not take points older than one hour: past that, they stay in the local store only (see forward.historical_metrics).{{/is_alert}}
{{#is_warning}}The oldest point not yet delivered to Datadog is {{value}} minutes old; Datadog takes points up to one hour old.{{/is_warning}}
{{#is_recovery}}Datadog is taking points again: the oldest waiting is {{value}} minutes old.{{/is_recovery}}
{{detail}}`,
  },
  store_size: {
    what: "the share (%) of storage.max_bytes taken by points not yet delivered",
    thresholds: { critical: 90, warning: 80 },
    for: 0,
    groupBy: [],
    subject: "[{{status}}] Hearth: the local store is filling up",
    message: `{{#is_alert}}Points not yet delivered take {{value}}% of storage.max_bytes: once it is full, the oldest of them are dropped. Restore the connection to Datadog, raise storage.max_bytes, or forward fewer series.{{/is_alert}}
{{#is_warning}}Points not yet delivered take {{value}}% of storage.max_bytes.{{/is_warning}}
{{#is_recovery}}Points not yet delivered take {{value}}% of storage.max_bytes again.{{/is_recovery}}
{{detail}}`,
  },
  component_down: {
    what: "1 while an integration instance or a bridge is not working (one group per component), 0 otherwise",
    thresholds: { critical: 1 },
    for: 600_000,
    groupBy: ["component"],
    subject: "[{{status}} on {{component.name}}] Hearth: a component is down",
    message: `{{#is_alert}}{{component.name}} has not been working for {{for_duration}}: {{detail}}{{/is_alert}}
{{#is_recovery}}{{component.name}} works again.{{/is_recovery}}`,
  },
  notify_failing: {
    what: "failed attempts in a row to deliver notifications on one channel of one recipient",
    thresholds: { critical: 3 },
    for: 0,
    groupBy: ["recipient", "channel"],
    subject: "[{{status}}] Hearth: notifications to {{recipient.name}} by {{channel.name}} fail",
    message: `{{#is_alert}}Notifications to {{recipient.name}} by {{channel.name}} failed {{value}} times in a row: {{detail}}. They wait in the outbox and are retried; this message comes by the recipients' other channels.{{/is_alert}}
{{#is_recovery}}Notifications to {{recipient.name}} by {{channel.name}} go through again.{{/is_recovery}}`,
  },
} as const satisfies Record<
  string,
  { what: string; thresholds: { critical: number; warning?: number }; for: number; groupBy: readonly string[]; subject: string; message: string }
>;

export type HearthCheck = keyof typeof HEARTH_CHECKS;

export const HEARTH_PREFIX = "hearth.";

export const checkOf = (monitorName: string): HearthCheck | undefined => {
  const check = monitorName.startsWith(HEARTH_PREFIX) ? monitorName.slice(HEARTH_PREFIX.length) : "";
  return check in HEARTH_CHECKS ? (check as HearthCheck) : undefined;
};

/** A check's value for one group now, and a sentence that says what stands behind it. */
export interface SelfFact {
  value: number;
  detail: string;
}

/** Reads Hearth's own state (health, store, delivery) for the hearth.* monitors. */
export interface SelfFacts {
  /** Every group the check knows now; a group that is no longer listed (a removed bridge) recovers and is dropped. */
  read(check: HearthCheck, now: number): Map<string, SelfFact>;
}

export const hearthVocabulary = (check: HearthCheck): TemplateVocabulary => ({
  variables: [...COMMON_VARIABLES, "threshold", "warn_threshold", "detail", "for_duration", ...HEARTH_CHECKS[check].groupBy],
});
