import type { FastifyInstance } from "fastify";
import type { Clock } from "../kit/clock.js";
import type { Sourced } from "../config-kit/issues.js";
import { evaluateWidget } from "../dashboards/evaluate.js";
import type { Dashboard } from "../dashboards/schema.js";
import { RollupReader } from "../store/rollup.js";
import type { Store } from "../store/store.js";
import { parseTimeParam } from "./api-series.js";

const DEFAULT_MAX_POINTS = 300;
const MAX_MAX_POINTS = 2000;

const outline = (d: Dashboard) => ({
  name: d.name,
  title: d.title,
  description: d.description ?? null,
  time: d.time,
  template_variables: d.template_variables,
  widgets: d.widgets.map((w) =>
    w.type === "note"
      ? { type: w.type, text: w.text }
      : { type: w.type, title: w.title ?? null, time: w.time ?? d.time, queries: w.type === "timeseries" ? w.queries.map((q) => q.text) : [w.query.text] },
  ),
});

/**
 * GET /api/dashboards: the rules' dashboards as written. GET /api/dashboards/<name>: each widget
 * evaluated against the store over its live span (or `from`/`until`), at most `max_points`
 * buckets per series (default 300); a template variable's value is given by its name
 * (`?host=web1`), `*` or absent meaning every value.
 */
export function registerDashboardsApi(
  app: FastifyInstance,
  dashboards: () => readonly Sourced<Dashboard>[],
  store: Store,
  clock: Clock,
  host: () => string,
): void {
  let reader: RollupReader | undefined;
  app.get("/api/dashboards", () => ({ dashboards: dashboards().map(outline) }));
  app.get<{ Params: { name: string }; Querystring: Record<string, string | undefined> }>("/api/dashboards/:name", async (req, reply) => {
    const d = dashboards().find((x) => x.name === req.params.name);
    if (!d)
      return reply
        .code(404)
        .send({ error: `no dashboard named "${req.params.name}" in the rules (GET /api/dashboards lists them)`, code: "HEARTH_E_REQUEST_INVALID" });
    const q = new Map(Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === "string"));
    const now = clock.now();
    const maxPoints = q.has("max_points") ? Number(q.get("max_points")) : DEFAULT_MAX_POINTS;
    const from = q.has("from") ? parseTimeParam(q.get("from")!, now) : undefined;
    const until = q.has("until") ? parseTimeParam(q.get("until")!, now) : q.has("from") ? now : undefined;
    const problems = [
      ...(Number.isInteger(maxPoints) && maxPoints > 0 && maxPoints <= MAX_MAX_POINTS
        ? []
        : [`max_points: expected a whole number from 1 to ${MAX_MAX_POINTS}`]),
      ...(q.has("from") && from === undefined ? [`from: "${q.get("from")}" is not an ISO 8601 time, Unix seconds, or a duration ago such as 1h`] : []),
      ...(q.has("until") && until === undefined ? [`until: "${q.get("until")}" is not an ISO 8601 time, Unix seconds, or a duration ago such as 1h`] : []),
      ...(q.has("until") && !q.has("from") ? ["until needs from"] : []),
      ...(from !== undefined && until !== undefined && until <= from ? ["until: must be after from"] : []),
    ];
    if (problems.length) return reply.code(400).send({ error: problems.join("; "), code: "HEARTH_E_REQUEST_INVALID" });
    const variables = new Map(d.template_variables.map((v) => [v.name, q.get(v.name) ?? v.default]));
    reader ??= new RollupReader(store.db);
    const opts = { now, host: host(), variables, maxPoints };
    const range = from !== undefined && until !== undefined ? { from, until } : undefined;
    return { ...outline(d), now, variables: Object.fromEntries(variables), evaluated: d.widgets.map((w) => evaluateWidget(reader!, w, d, opts, range)) };
  });
}
