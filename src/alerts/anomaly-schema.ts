import { z } from "zod";
import { seasonalNote } from "../dashboards/anomalies.js";
import { parseAnomalyQuery, type AnomalyQuery } from "./anomaly-query.js";
import { anomalyVocabulary } from "./anomaly-messages.js";
import { QueryError, windowMsOf } from "./query.js";
import { templateProblems } from "./templates.js";

/** The rollup interval when the query names none: a minute, or a fifth of the trigger window if that is shorter. */
export const defaultIntervalMs = (triggerWindowMs: number): number => Math.min(60_000, Math.floor(triggerWindowMs / 5 / 1000) * 1000);

const Window = z.string().superRefine((w, ctx) => {
  const ms = windowMsOf(w);
  if (typeof ms === "string") ctx.addIssue({ code: "custom", message: ms });
});

/**
 * Datadog's anomaly monitor (docs/datadog-semantics.md §3.1, §9), evaluated by the hub with the
 * local 'basic' band. The fields beside the query are Datadog's `options.thresholds` and
 * `options.threshold_windows` (DOC:`content/en/monitors/types/anomaly.md`).
 */
export const anomalyMonitorType = z
  .literal("anomaly")
  .meta({ description: "Datadog's anomaly monitor on a metric, evaluated by the hub with the local 'basic' band." });

export const anomalyMonitorFields = {
  query: z.string().meta({
    description:
      "anomalies(avg(last_4h):metric{tags} [by {key}], 'basic', bounds[, direction='above'|'below'|'both', interval=seconds]) >= fraction, or Datadog's form avg(last_4h):anomalies(avg:metric{tags}, 'basic', 2, …) >= 1. The threshold is the fraction of anomalous points in the trigger window.",
    examples: ["anomalies(avg(last_4h):postgresql.rows_fetched{*}, 'basic', 2) >= 1"],
  }),
  threshold_windows: z
    .strictObject({
      trigger_window: Window.meta({
        description:
          "How long the metric must be anomalous before the alert: the fraction of anomalous points over this window is compared with the threshold (last_15m).",
      }),
      recovery_window: Window.meta({ description: "How long it must be normal again before the alert recovers (last_15m)." }),
    })
    .meta({ description: "Datadog's options.threshold_windows." }),
  thresholds: z
    .strictObject({
      critical: z
        .number()
        .optional()
        .meta({ description: "The fraction (0 to 1] in the trigger window that alerts; must equal the query's threshold (it is the query's if absent)." }),
      critical_recovery: z.number().min(0).optional().meta({
        description:
          "The alert recovers once the fraction in the recovery window is at most this (0: no anomalous point at all). Absent: once it is below critical.",
      }),
    })
    .prefault({})
    .meta({ description: "Datadog's thresholds for an anomaly monitor, as fractions of anomalous points." }),
};

type AnomalyFields = {
  query: string;
  threshold_windows: { trigger_window: string; recovery_window: string };
  thresholds: { critical?: number | undefined; critical_recovery?: number | undefined };
  subject?: string | undefined;
  message?: string | undefined;
};

/** The checks Datadog makes on an anomaly monitor, with the reason in each message. */
export function checkAnomalyMonitor(m: AnomalyFields, ctx: z.RefinementCtx): void {
  let q: AnomalyQuery;
  try {
    q = parseAnomalyQuery(m.query);
  } catch (err) {
    if (!(err instanceof QueryError)) throw err;
    ctx.addIssue({ code: "custom", path: ["query"], message: `${err.message} (at character ${err.column} of the query)` });
    return;
  }
  if (q.algorithm !== "basic") ctx.addIssue({ code: "custom", path: ["query"], message: `${seasonalNote(q.algorithm)}; the hub evaluates 'basic'` });
  const trigger = windowMsOf(m.threshold_windows.trigger_window);
  const recovery = windowMsOf(m.threshold_windows.recovery_window);
  if (typeof trigger === "string" || typeof recovery === "string") return;
  const at = (key: string) => ["thresholds", key];
  if (m.thresholds.critical !== undefined && m.thresholds.critical !== q.threshold)
    ctx.addIssue({ code: "custom", path: at("critical"), message: `must equal the query's threshold (${q.threshold}), or be left out` });
  if (m.thresholds.critical_recovery !== undefined && m.thresholds.critical_recovery >= q.threshold)
    ctx.addIssue({ code: "custom", path: at("critical_recovery"), message: `must be below the critical threshold ${q.threshold}` });
  // "The trigger_window must match the alert_window from the query" (DOC:content/en/monitors/types/anomaly.md).
  if (q.alertWindow !== undefined && q.alertWindow !== m.threshold_windows.trigger_window)
    ctx.addIssue({ code: "custom", path: ["threshold_windows", "trigger_window"], message: `must equal the query's alert_window (${q.alertWindow})` });
  if (trigger > q.queryWindowMs)
    ctx.addIssue({ code: "custom", path: ["threshold_windows", "trigger_window"], message: "must not be longer than the query's window" });
  // Same page: a recovery window shorter than trigger × (1 − threshold) + 1 min could satisfy the
  // alert and the recovery condition at once.
  const least = trigger * (1 - q.threshold) + 60_000;
  if (recovery < least)
    ctx.addIssue({
      code: "custom",
      path: ["threshold_windows", "recovery_window"],
      message: `must be at least ${Math.ceil(least / 60_000)} minutes for a ${m.threshold_windows.trigger_window} trigger window at threshold ${q.threshold}`,
    });
  // "interval … should be smaller or equal to a fifth of the alert_window duration" (same page).
  const intervalMs = q.intervalSeconds !== undefined ? q.intervalSeconds * 1000 : defaultIntervalMs(trigger);
  if (intervalMs > trigger / 5 || intervalMs < 1000)
    ctx.addIssue({
      code: "custom",
      path: ["query"],
      message: `interval must be between 1 s and a fifth of the trigger window (${Math.floor(trigger / 5000)} s)`,
    });
  for (const field of ["subject", "message"] as const) {
    const text = m[field];
    if (text === undefined) continue;
    for (const message of templateProblems(text, anomalyVocabulary(q.scope.groupBy))) ctx.addIssue({ code: "custom", path: [field], message });
  }
}
