import { z } from "zod";
import { Name } from "../config-kit/common.js";
import { DashboardQueryError, parseDashboardQuery, type DashboardQuery } from "./query.js";

/**
 * The rules' `dashboards:` section: what Hearth creates in Datadog (`hearth datadog apply`) and
 * what the hub's status page draws. The vocabulary is Datadog's own (docs/datadog-as-code.md):
 * ordered widgets, live spans, template variables.
 */

/** Datadog's WidgetLiveSpan values (v1 `WidgetLiveSpan`), minus the calendar-aligned ones. */
const LIVE_SPANS = ["1m", "5m", "10m", "15m", "30m", "1h", "4h", "1d", "2d", "1w", "1mo", "3mo", "6mo", "1y"] as const;
export const LiveSpan = z.enum(LIVE_SPANS).meta({ description: "A live time span: the past 1m, 5m, 10m, 15m, 30m, 1h, 4h, 1d, 2d, 1w, 1mo, 3mo, 6mo or 1y." });

/** A query string, parsed once here so every reader gets the tree and an error points into the text. */
export const QueryText = z
  .string()
  .transform((text, ctx): { text: string; parsed: DashboardQuery } => {
    try {
      return { text, parsed: parseDashboardQuery(text) };
    } catch (err) {
      if (!(err instanceof DashboardQueryError)) throw err;
      ctx.addIssue({ code: "custom", message: `${err.message} (at character ${err.offset + 1} of the query)` });
      return z.NEVER;
    }
  })
  .meta({
    description:
      "A Datadog metric query: space_aggr:metric{tags} [by {key}] [.rollup(avg|sum|min|max|count[, seconds])], optionally inside anomalies(…, 'basic'|'agile'|'robust', bounds).",
    examples: ["avg:my_metric{*} by {host}", "anomalies(avg:postgresql.rows_fetched{*}, 'basic', 2)", "avg:my_metric{*}.rollup(sum, 3600)"],
  });

const widgetCommon = {
  title: z.string().min(1).optional().meta({ description: "The widget's title." }),
  time: LiveSpan.optional().meta({ description: "This widget's own time span; default the dashboard's." }),
};

const TimeseriesWidget = z
  .strictObject({
    type: z.literal("timeseries"),
    ...widgetCommon,
    queries: z
      .union([QueryText, z.array(QueryText).min(1)])
      .transform((q) => (Array.isArray(q) ? q : [q]))
      .meta({ description: "One query or several, drawn on the same graph." }),
    display: z.enum(["line", "bars", "area"]).default("line").meta({ description: "How the series are drawn (Datadog's display_type)." }),
  })
  .meta({ description: "A graph of one or more queries over time." });

const QueryValueWidget = z
  .strictObject({
    type: z.literal("query_value"),
    ...widgetCommon,
    query: QueryText,
    aggregator: z.enum(["avg", "last", "min", "max", "sum"]).default("last").meta({ description: "How the time span is reduced to one number." }),
    precision: z.number().int().min(0).max(10).optional().meta({ description: "Decimals shown." }),
    unit: z.string().min(1).optional().meta({ description: "A unit written after the number (Datadog's custom_unit)." }),
  })
  .meta({ description: "One number: a query reduced over the time span." });

const NoteWidget = z
  .strictObject({
    type: z.literal("note"),
    text: z.string().min(1).meta({ description: "Markdown text." }),
  })
  .meta({ description: "A note in Markdown." });

export const Widget = z
  .discriminatedUnion("type", [TimeseriesWidget, QueryValueWidget, NoteWidget])
  .meta({ description: "A widget: timeseries, query_value or note." });

const TemplateVariable = z
  .union([
    Name.transform((name) => ({ name, default: "*" })),
    z.strictObject({
      name: Name,
      default: z.string().min(1).default("*").meta({ description: "The value chosen when the dashboard opens; * is every value." }),
    }),
  ])
  .meta({ description: "A tag key the viewer can pick a value for (host), written in queries as $host." });

export const Dashboard = z
  .strictObject({
    name: Name.meta({ description: "The dashboard's identity across rules files and in Datadog (tag hearth-id:dashboard/<name>)." }),
    title: z.string().min(1).max(200).meta({ description: "The title shown." }),
    description: z.string().optional().meta({ description: "Markdown shown under the title." }),
    time: LiveSpan.default("1h").meta({ description: "The live time span of every widget unless a widget says otherwise." }),
    template_variables: z.array(TemplateVariable).default([]),
    widgets: z.array(Widget).min(1).meta({ description: "The widgets, in order (Datadog's ordered layout)." }),
  })
  .superRefine((d, ctx) => {
    const declared = new Set(d.template_variables.map((v) => v.name));
    d.widgets.forEach((w, i) => {
      const queries = w.type === "timeseries" ? w.queries : w.type === "query_value" ? [w.query] : [];
      queries.forEach((q, j) => {
        for (const m of q.text.matchAll(/\$([a-z][a-z0-9_-]*)/g)) {
          if (!declared.has(m[1]!))
            ctx.addIssue({
              code: "custom",
              path: ["widgets", i, w.type === "timeseries" ? "queries" : "query", ...(w.type === "timeseries" ? [j] : [])],
              message: `$${m[1]} is not one of the dashboard's template_variables`,
            });
        }
      });
    });
  })
  .meta({ description: "A dashboard: ordered widgets over a live time span, drawn by Datadog and by the status page." });

export type LiveSpan = z.output<typeof LiveSpan>;
export type QueryText = z.output<typeof QueryText>;
export type Widget = z.output<typeof Widget>;
export type Dashboard = z.output<typeof Dashboard>;
