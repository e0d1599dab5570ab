import { aggregate, groupOf, tagValues } from "../query/series.js";
import { normalizeTag } from "../pipeline/normalize.js";
import { rollupIntervalMs, type RollupReader } from "../store/rollup.js";
import { basicBand, basicLookbackMs, isAnomalous, LOCAL_ALGORITHMS, seasonalNote } from "./anomalies.js";
import { formatSeries, formulaOf, seriesOf, type DashboardQuery, type DashboardTagFilter, type SeriesQuery } from "./query.js";
import type { Dashboard, LiveSpan, Widget } from "./schema.js";

/**
 * A dashboard's widgets evaluated against the hub's store, as Datadog would draw them
 * (https://docs.datadoghq.com/dashboards/functions/rollup/): each series rolled up in time
 * (the query's `.rollup(…)`, else avg) into buckets aligned to the epoch, the series of one
 * `by {…}` group combined per bucket by the space aggregation, and `anomalies(…)` drawn as the
 * basic band of src/dashboards/anomalies.ts. The queries are the parsed trees the rules already
 * hold, the same ones `hearth datadog apply` writes into Datadog's JSON.
 */

const DAY = 86_400_000;
const SPAN_MS: Record<LiveSpan, number> = {
  "1m": 60_000,
  "5m": 300_000,
  "10m": 600_000,
  "15m": 900_000,
  "30m": 1_800_000,
  "1h": 3_600_000,
  "4h": 14_400_000,
  "1d": DAY,
  "2d": 2 * DAY,
  "1w": 7 * DAY,
  "1mo": 30 * DAY,
  "3mo": 90 * DAY,
  "6mo": 180 * DAY,
  "1y": 365 * DAY,
};

/** Datadog's cap on series per query is far higher; a page can draw this many. */
const MAX_GROUPS = 50;
const MAX_SERIES_READ = 500;

interface GroupSeries {
  /** `appliance:stove`, or `*` for a query without `by`. */
  group: string;
  /** `[bucket start ms, value]`, oldest first. */
  points: [number, number][];
  /** anomalies() only: `[bucket start ms, lower, upper]`, null until the band has enough history. */
  band?: [number, number | null, number | null][];
  /** anomalies() only: how many drawn points lie outside the band. */
  anomalous?: number;
}

interface EvaluatedQuery {
  /** As written in the rules. */
  query: string;
  /** As Datadog gets it: the series query and its formula. */
  datadog: { query: string; formula: string };
  series: GroupSeries[];
  truncated: boolean;
  /** Why part of the query is not drawn here (a seasonal anomaly algorithm). */
  note?: string;
}

export type EvaluatedWidget =
  | { type: "timeseries"; title: string | null; display: string; span: LiveSpan; from: number; until: number; interval_s: number; queries: EvaluatedQuery[] }
  | {
      type: "query_value";
      title: string | null;
      span: LiveSpan;
      from: number;
      until: number;
      aggregator: string;
      value: number | null;
      unit: string | null;
      precision: number | null;
      query: string;
    }
  | { type: "note"; text: string };

interface EvaluateOptions {
  now: number;
  /** The configured host: series carry it as a resource, and `host:` filters match it. */
  host: string;
  /** Chosen values of the dashboard's template variables; missing ones take their defaults. */
  variables: ReadonlyMap<string, string>;
  maxPoints: number;
}

/** `$host` replaced by its chosen value; a filter whose variable is `*` keeps every series. */
function resolveFilters(filters: readonly DashboardTagFilter[], vars: ReadonlyMap<string, string>): DashboardTagFilter[] {
  return filters.flatMap((f) => {
    if (!f.value.startsWith("$")) return [f];
    const value = vars.get(f.value.slice(1)) ?? "*";
    return value === "*" ? [] : [{ ...f, value }];
  });
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const globOf = (value: string): RegExp => new RegExp(`^${value.split("*").map(escapeRegExp).join(".*")}$`);

function acceptor(filters: readonly DashboardTagFilter[], host: string): (tags: readonly string[]) => boolean {
  const compiled = filters.map((f) => {
    const value = f.value.includes("*") ? f.value : normalizeTag(`x:${f.value}`).slice(2);
    return { key: normalizeTag(f.key), negated: f.negated, test: value.includes("*") ? (v: string) => globOf(value).test(v) : (v: string) => v === value };
  });
  return (tags) => compiled.every((f) => tagValues(tags, f.key, host).some(f.test) !== f.negated);
}

interface Grouped {
  groups: Map<string, [number, number][]>;
  truncated: boolean;
}

/** The query's series rolled up per bucket, then combined per group by its space aggregation. */
function readGroups(reader: RollupReader, q: SeriesQuery, from: number, until: number, intervalMs: number, opts: EvaluateOptions): Grouped {
  const filters = resolveFilters(q.filters, opts.variables);
  const rolled = reader.rollup({
    metric: q.metric,
    tags: [],
    from,
    until,
    fn: q.rollup?.aggregator ?? "avg",
    intervalMs,
    maxSeries: MAX_SERIES_READ,
    accept: acceptor(filters, opts.host),
  });
  const buckets = new Map<string, Map<number, number[]>>();
  for (const s of rolled.series) {
    const group = groupOf(s.tags, q.groupBy, opts.host) ?? q.groupBy.map((k) => `${k}:N/A`).join(",");
    let perTime = buckets.get(group);
    if (!perTime) {
      if (buckets.size >= MAX_GROUPS) {
        rolled.truncated = true;
        continue;
      }
      perTime = new Map();
      buckets.set(group, perTime);
    }
    for (const [t, v] of s.points) perTime.set(t, [...(perTime.get(t) ?? []), v]);
  }
  const groups = new Map<string, [number, number][]>();
  for (const [group, perTime] of [...buckets].sort(([a], [b]) => a.localeCompare(b)))
    groups.set(
      group,
      [...perTime].sort(([a], [b]) => a - b).map(([t, vs]): [number, number] => [t, aggregate(vs, q.space)]),
    );
  return { groups, truncated: rolled.truncated };
}

function evaluateQuery(
  reader: RollupReader,
  text: string,
  parsed: DashboardQuery,
  from: number,
  until: number,
  intervalMs: number,
  opts: EvaluateOptions,
): EvaluatedQuery {
  const series = seriesOf(parsed);
  const datadog = { query: formatSeries(series), formula: formulaOf(parsed, "query1") };
  if (parsed.kind !== "anomalies" || !LOCAL_ALGORITHMS.includes(parsed.algorithm)) {
    const read = readGroups(reader, series, from, until, intervalMs, opts);
    return {
      query: text,
      datadog,
      series: [...read.groups].map(([group, points]) => ({ group, points })),
      truncated: read.truncated,
      ...(parsed.kind === "anomalies" ? { note: seasonalNote(parsed.algorithm) } : {}),
    };
  }
  // The band lags: the points before the window judge its first points.
  const lookbackMs = basicLookbackMs(intervalMs);
  const read = readGroups(reader, series, from - lookbackMs, until, intervalMs, opts);
  return {
    query: text,
    datadog,
    truncated: read.truncated,
    series: [...read.groups].map(([group, all]) => {
      const band = basicBand(all, { bounds: parsed.bounds, lookbackMs }).filter((p) => p.t >= from);
      return {
        group,
        points: band.map((p): [number, number] => [p.t, p.value]),
        band: band.map((p): [number, number | null, number | null] => [p.t, p.lower, p.upper]),
        anomalous: band.filter((p) => isAnomalous(p)).length,
      };
    }),
  };
}

/** One widget over its live span ending `now` (or over `range` when the viewer picked one). */
export function evaluateWidget(
  reader: RollupReader,
  w: Widget,
  dashboard: Dashboard,
  opts: EvaluateOptions,
  range?: { from: number; until: number },
): EvaluatedWidget {
  if (w.type === "note") return { type: "note", text: w.text };
  const span = w.time ?? dashboard.time;
  const until = range?.until ?? opts.now;
  const from = range?.from ?? until - SPAN_MS[span];
  if (w.type === "timeseries") {
    const asked = Math.max(0, ...w.queries.map((q) => seriesOf(q.parsed).rollup?.seconds ?? 0));
    const intervalMs = rollupIntervalMs(until - from, opts.maxPoints, asked || undefined);
    return {
      type: "timeseries",
      title: w.title ?? null,
      display: w.display,
      span,
      from,
      until,
      interval_s: intervalMs / 1000,
      queries: w.queries.map((q) => evaluateQuery(reader, q.text, q.parsed, from, until, intervalMs, opts)),
    };
  }
  // A query value: the whole span reduced to one number (Datadog's aggregator), every group
  // together. Without a rollup of its own, the buckets are rolled up by that aggregator too, so
  // `max` is the largest point and `sum` the total, whatever the bucket width.
  const written = seriesOf(w.query.parsed);
  const byAggregator = w.aggregator === "min" || w.aggregator === "max" || w.aggregator === "sum" ? w.aggregator : "avg";
  const series: SeriesQuery = { ...written, rollup: written.rollup ?? { aggregator: byAggregator, seconds: undefined } };
  const intervalMs = rollupIntervalMs(until - from, opts.maxPoints, series.rollup?.seconds);
  const read = readGroups(reader, { ...series, groupBy: [] }, from, until, intervalMs, opts);
  const points = read.groups.get("*") ?? [];
  const values = points.map(([, v]) => v);
  const value = values.length === 0 ? null : aggregate(values, w.aggregator);
  return {
    type: "query_value",
    title: w.title ?? null,
    span,
    from,
    until,
    aggregator: w.aggregator,
    value,
    unit: w.unit ?? null,
    precision: w.precision ?? null,
    query: w.query.text,
  };
}
