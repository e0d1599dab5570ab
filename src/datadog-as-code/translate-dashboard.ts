import type { Dashboard, QueryText, Widget } from "../dashboards/schema.js";
import { formatSeries, formulaOf, seriesOf } from "../dashboards/query.js";
import { keyOf, markerLine } from "./identity.js";

/** Datadog's JSON of a dashboard, as `POST /api/v1/dashboard` takes it (docs/datadog-as-code.md). */
export type Json = { [key: string]: unknown };

/** One request in the formulas-and-functions form: each query named query1…, each with its formula (anomalies() lives in the formula). */
function request(queries: QueryText[], extra: Json, aggregator?: string): Json {
  const named = queries.map((q, i) => ({ q, name: `query${i + 1}` }));
  return {
    ...extra,
    queries: named.map(({ q, name }) => ({ data_source: "metrics", name, query: formatSeries(seriesOf(q.parsed)), ...(aggregator ? { aggregator } : {}) })),
    formulas: named.map(({ q, name }) => ({ formula: formulaOf(q.parsed, name) })),
  };
}

function definition(w: Widget, span: string): Json {
  switch (w.type) {
    case "timeseries":
      return {
        type: "timeseries",
        ...(w.title ? { title: w.title } : {}),
        time: { live_span: w.time ?? span },
        requests: [request(w.queries, { response_format: "timeseries", display_type: w.display })],
      };
    case "query_value":
      return {
        type: "query_value",
        ...(w.title ? { title: w.title } : {}),
        time: { live_span: w.time ?? span },
        ...(w.precision !== undefined ? { precision: w.precision } : {}),
        ...(w.unit ? { custom_unit: w.unit } : {}),
        requests: [request([w.query], { response_format: "scalar" }, w.aggregator)],
      };
    case "note":
      return { type: "note", content: w.text };
  }
}

export function dashboardJson(d: Dashboard): Json {
  const key = keyOf("dashboard", d.name);
  return {
    title: d.title,
    description: `${d.description ? `${d.description}\n\n` : ""}${markerLine(key)}`,
    layout_type: "ordered",
    reflow_type: "auto",
    template_variables: d.template_variables.map((v) => ({ name: v.name, prefix: v.name, defaults: [v.default] })),
    widgets: d.widgets.map((w) => ({ definition: definition(w, d.time) })),
  };
}
