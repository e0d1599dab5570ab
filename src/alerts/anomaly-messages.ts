import { COMMON_VARIABLES } from "./messages.js";
import type { TemplateVocabulary } from "./templates.js";

/** What an anomaly monitor's templates can use: Datadog's common variables, the threshold and the windows (docs/datadog-semantics.md §3.4). */
export const anomalyVocabulary = (groupBy: readonly string[]): TemplateVocabulary => ({
  variables: [...COMMON_VARIABLES, "threshold", "alert_recovery_threshold", "query", "metric", "trigger_window", "recovery_window", ...groupBy],
});

/** {{value}} is the fraction of anomalous points: over the trigger window on alert, over the recovery window on recovery. */
export const defaultAnomalyMessage = `{{#is_alert}}
{{metric}} is outside its expected range: a fraction of {{value}} of its points over the {{trigger_window}} were anomalous (threshold {{threshold}}) on {{host.name}} ({{host.ip}}).
{{/is_alert}}
{{#is_recovery}}
{{metric}} is back within its expected range: a fraction of {{value}} of its points over the {{recovery_window}} were anomalous, on {{host.name}} ({{host.ip}}).
{{/is_recovery}}
Query: {{query}}`;
