import { z } from "zod";
import { Duration, Name, Tags } from "../config-kit/common.js";
import { suggestion } from "../config-kit/issues.js";
import { anomalyMonitorFields, anomalyMonitorType, checkAnomalyMonitor } from "./anomaly-schema.js";
import { checkOf, HEARTH_CHECKS, HEARTH_PREFIX, hearthVocabulary } from "./hearth-checks.js";
import { metricVocabulary, nobodyHomeVocabulary } from "./messages.js";
import { checkTemplates, common } from "./monitor-common.js";
import { parseQuery, QueryError, type Comparator, type MetricQuery } from "./query.js";
import { MinutesOrDuration } from "./schema-parts.js";
import { TankRangeMonitor } from "./tank-range-schema.js";

const Thresholds = z
  .strictObject({
    critical: z.number().optional().meta({ description: "The alert threshold; must equal the number in the query (it is the query's if absent)." }),
    warning: z.number().optional().meta({ description: "The warning threshold, on the non-alerting side of critical." }),
    critical_recovery: z.number().optional().meta({ description: "An alert recovers only once the value passes this (for >: value <= critical_recovery)." }),
    warning_recovery: z.number().optional().meta({ description: "A warning recovers only once the value passes this." }),
  })
  .meta({ description: "Datadog's thresholds (options.thresholds)." });

/** "lies on the non-alerting side": below the threshold for > and >=, above it for < and <=. */
const onQuietSide = (comparator: Comparator, x: number, threshold: number) => (comparator.startsWith(">") ? x < threshold : x > threshold);
const sideWord = (comparator: Comparator) => (comparator.startsWith(">") ? "below" : "above");

/** Options only Datadog's side of a monitor has (https://docs.datadoghq.com/monitors/guide/monitor_api_options/). */
const DatadogMonitorOptions = z
  .strictObject({
    priority: z.number().int().min(1).max(5).optional().meta({ description: "Datadog's priority, 1 (highest) to 5." }),
    require_full_window: z.boolean().default(false).meta({ description: "Evaluate only over a full window of data (false suits sparse metrics)." }),
    evaluation_delay: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .meta({ description: "Seconds Datadog waits before evaluating (for metrics that arrive late)." }),
    include_tags: z.boolean().default(true).meta({ description: "Put the triggering group in the notification's title." }),
  })
  .meta({ description: "Options of the monitor Datadog evaluates (with evaluate: datadog or both)." });

export const MetricMonitor = z
  .strictObject({
    type: z.literal("metric").default("metric").meta({ description: "A threshold monitor on a metric query, Datadog's metric alert (the default type)." }),
    ...common,
    query: z.string().meta({
      description: "Datadog's query: time_aggr(last_#m):[space_aggr:]metric{tag:value,…} [by {key}] > threshold. Time aggregations: avg, min, max, sum, last.",
      examples: ["avg(last_5m):my_metric{host:dd-ubuntu20} > 800", "max(last_10m):power.watts{*} by {appliance} > 1500"],
    }),
    thresholds: Thresholds.prefault({}),
    notify_no_data: z.boolean().default(false).meta({ description: "Go to NO_DATA (and notify) when data stops. Off by default, as in Datadog." }),
    no_data_timeframe: MinutesOrDuration.optional().meta({
      description: "How long without data before NO_DATA (minutes, or a duration). Default: twice the query's window.",
    }),
    for: Duration.optional().meta({ description: "Beyond Datadog: the query must breach continuously this long before WARN or ALERT." }),
    evaluate: z.enum(["local", "datadog", "both"]).default("local").meta({
      description:
        "Who evaluates the monitor and notifies: the hub (local), Datadog (created by `hearth datadog apply`), or both (`hearth check` warns when both reach the same recipients).",
    }),
    datadog: DatadogMonitorOptions.optional(),
  })
  .superRefine((m, ctx) => {
    if (m.evaluate !== "local" && m.for !== undefined)
      ctx.addIssue({ code: "custom", path: ["for"], message: "Datadog has no `for`; leave it out of a monitor that Datadog evaluates" });
    let q: MetricQuery;
    try {
      q = parseQuery(m.query);
    } catch (err) {
      if (!(err instanceof QueryError)) throw err;
      ctx.addIssue({ code: "custom", path: ["query"], message: `${err.message} (at character ${err.column} of the query)` });
      return;
    }
    const t = m.thresholds;
    const at = (key: string) => ["thresholds", key];
    // docs/datadog-semantics.md Trap 11: the critical threshold must equal the query's number.
    if (t.critical !== undefined && t.critical !== q.threshold)
      ctx.addIssue({ code: "custom", path: at("critical"), message: `must equal the query's threshold (${q.threshold}), or be left out` });
    if (t.warning !== undefined && !onQuietSide(q.comparator, t.warning, q.threshold))
      ctx.addIssue({
        code: "custom",
        path: at("warning"),
        message: `must be ${sideWord(q.comparator)} the critical threshold ${q.threshold} for "${q.comparator}"`,
      });
    if (t.critical_recovery !== undefined && !onQuietSide(q.comparator, t.critical_recovery, q.threshold))
      ctx.addIssue({
        code: "custom",
        path: at("critical_recovery"),
        message: `must be ${sideWord(q.comparator)} the critical threshold ${q.threshold} for "${q.comparator}"`,
      });
    if (t.warning_recovery !== undefined) {
      if (t.warning === undefined) ctx.addIssue({ code: "custom", path: at("warning_recovery"), message: "needs a warning threshold" });
      else if (!onQuietSide(q.comparator, t.warning_recovery, t.warning))
        ctx.addIssue({
          code: "custom",
          path: at("warning_recovery"),
          message: `must be ${sideWord(q.comparator)} the warning threshold ${t.warning} for "${q.comparator}"`,
        });
    }
    if (m.no_data_timeframe !== undefined && !m.notify_no_data)
      ctx.addIssue({ code: "custom", path: ["no_data_timeframe"], message: "has no effect unless notify_no_data is true" });
    checkTemplates(m, metricVocabulary(q.groupBy), ctx);
  })
  .meta({ description: "A threshold monitor (Datadog's metric alert)." });

export const NobodyHomeMonitor = z
  .strictObject({
    type: z.literal("nobody_home").meta({ description: "An appliance left on while nobody is home." }),
    ...common,
    appliances: z.array(Name).optional().meta({ description: "Appliances to watch, by name. Absent (and no appliance_tags): every appliance." }),
    appliance_tags: Tags.optional().meta({ description: "Watch the appliances whose power.on series carry all these tags." }),
    people: z.array(Name).optional().meta({ description: "Whose presence counts. Absent: everyone the rules know." }),
    for: Duration.meta({ description: "How long the appliance must have been on with nobody home before the alert." }),
  })
  .superRefine((m, ctx) => checkTemplates(m, nobodyHomeVocabulary, ctx))
  .meta({ description: '"Appliance on, nobody home": power.on{appliance:…} held while presence says nobody is home (or nobody is known to be).' });

export const AnomalyMonitor = z
  .strictObject({ type: anomalyMonitorType, ...common, ...anomalyMonitorFields })
  .superRefine(checkAnomalyMonitor)
  .meta({ description: "An anomaly monitor (Datadog's anomalies() with threshold_windows), evaluated by the hub with the local 'basic' band." });

const HEARTH_NAMES = Object.keys(HEARTH_CHECKS).map((c) => `${HEARTH_PREFIX}${c}`);

export const HearthMonitor = z
  .strictObject({
    type: z.literal("hearth").meta({
      description:
        "Hearth watching itself: the name (hearth.datadog_key, hearth.datadog_backlog, hearth.store_size, hearth.component_down, hearth.notify_failing) says what.",
    }),
    ...common,
    thresholds: z
      .strictObject({
        critical: z.number().optional().meta({ description: "ALERT at or above this value (each check has its own default)." }),
        warning: z.number().optional().meta({ description: "WARN at or above this value." }),
      })
      .prefault({})
      .meta({ description: "Replace the built-in thresholds." }),
    for: Duration.optional().meta({
      description: "The condition must hold this long before the monitor moves to WARN or ALERT (hearth.component_down: 10m by default).",
    }),
    enabled: z.boolean().default(true).meta({ description: "false turns the built-in monitor of this name off." }),
  })
  .superRefine((m, ctx) => {
    const check = checkOf(m.name);
    if (!check) {
      ctx.addIssue({
        code: "custom",
        path: ["name"],
        message: `a hearth monitor is named after what it watches: one of ${HEARTH_NAMES.join(", ")}${suggestion(m.name, HEARTH_NAMES)}`,
      });
      return;
    }
    const critical = m.thresholds.critical ?? HEARTH_CHECKS[check].thresholds.critical;
    if (m.thresholds.warning !== undefined && m.thresholds.warning >= critical)
      ctx.addIssue({ code: "custom", path: ["thresholds", "warning"], message: `must be below the critical threshold ${critical}` });
    checkTemplates(m, hearthVocabulary(check), ctx);
  })
  .meta({ description: "A built-in hearth.* monitor, replaced or turned off by a rules entry of the same name." });

export const Monitor = z.discriminatedUnion("type", [MetricMonitor, NobodyHomeMonitor, TankRangeMonitor, HearthMonitor, AnomalyMonitor]).meta({
  description:
    "A monitor: type metric (the default), nobody_home, tank_range (a tank's reading against its crop's range), anomaly, or hearth (replacing a built-in hearth.* monitor).",
});

export type MetricMonitor = z.output<typeof MetricMonitor>;
export type NobodyHomeMonitor = z.output<typeof NobodyHomeMonitor>;
export type HearthMonitor = z.output<typeof HearthMonitor>;
export type TankRangeMonitor = z.output<typeof TankRangeMonitor>;
export type AnomalyMonitor = z.output<typeof AnomalyMonitor>;
export type Monitor = z.output<typeof Monitor>;
