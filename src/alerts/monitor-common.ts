import { z } from "zod";
import { Name, Tags } from "../config-kit/common.js";
import { MinutesOrDuration, NotifyStates, Recipients } from "./schema-parts.js";
import { templateProblems, type TemplateVocabulary } from "./templates.js";

/** What every monitor has: a name (its identity, with the group), who is told, what they read, and which calendars mute it. */
export const common = {
  name: z.string().min(1).max(200).meta({ description: "The monitor's name, unique across rules files; with the group, its identity." }),
  tags: Tags.default([]).meta({ description: "The monitor's own tags: calendars can mute every monitor with given tags (monitor_tags)." }),
  recipients: Recipients,
  subject: z.string().optional().meta({
    description: "The subject, in Datadog's template syntax ({{#is_alert}}…{{/is_alert}}, {{value}}…). Default: [Triggered on {group}] name, [Recovered …], …",
  }),
  message: z
    .string()
    .optional()
    .meta({ description: "The body, in Datadog's template syntax; write one block per state for distinct messages. Default: a sentence per state." }),
  renotify_interval: MinutesOrDuration.optional().meta({
    description: 'Notify again while unresolved, this long after the last notification (minutes, as in Datadog, or "30m").',
  }),
  renotify_statuses: NotifyStates.optional().meta({
    description: 'States that re-notify: alert, warn, "no data". Default alert and no data (Datadog\'s default).',
  }),
  renotify_occurrences: z.number().int().positive().optional().meta({ description: "At most this many re-notifications per episode." }),
  calendars: z.array(Name).default([]).meta({ description: "Downtime calendars that mute this monitor." }),
};

/** Every unknown variable or broken block of a monitor's subject and message, as issues on that field. */
export function checkTemplates(m: { subject?: string | undefined; message?: string | undefined }, vocabulary: TemplateVocabulary, ctx: z.RefinementCtx): void {
  for (const field of ["subject", "message"] as const) {
    const text = m[field];
    if (text === undefined) continue;
    for (const message of templateProblems(text, vocabulary)) ctx.addIssue({ code: "custom", path: [field], message });
  }
}
