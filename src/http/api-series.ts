import type { FastifyInstance } from "fastify";
import type { Clock } from "../kit/clock.js";
import { parseDuration } from "../config-kit/common.js";
import type { Aggregator } from "../pipeline/aggregate.js";
import { normalizeTag } from "../pipeline/normalize.js";
import { readableNumber } from "../kit/readable-number.js";
import { ROLLUP_FUNCTIONS, RollupReader, rollupIntervalMs, type RollupFunction } from "../store/rollup.js";
import type { Store } from "../store/store.js";

interface SeriesQuery {
  metric?: string;
  from?: string;
  until?: string;
  tags?: string;
  limit?: string;
  rollup?: string;
  max_points?: string;
}

const DEFAULT_LIMIT = 10_000;
const MAX_LIMIT = 200_000;
const DEFAULT_MAX_POINTS = 1500;
const MAX_MAX_POINTS = 10_000;
const MAX_ROLLED_SERIES = 500;
/** `rollup=sum` or `rollup=sum,3600`, as `.rollup(sum, 3600)` writes it. */
function parseRollup(text: string): { fn: RollupFunction; seconds: number | undefined } | string {
  const [fn, seconds, ...rest] = text.split(",").map((x) => x.trim());
  if (!ROLLUP_FUNCTIONS.includes(fn as RollupFunction) || rest.length)
    return `rollup: expected one of ${ROLLUP_FUNCTIONS.join(", ")}, optionally with ",<seconds>" (rollup=sum,3600), got "${text}"`;
  if (seconds === undefined) return { fn: fn as RollupFunction, seconds: undefined };
  const n = Number(seconds);
  return Number.isInteger(n) && n > 0 ? { fn: fn as RollupFunction, seconds: n } : `rollup: the interval must be a whole number of seconds, got "${seconds}"`;
}

/** `from`/`until`: an ISO 8601 time, Unix seconds (as Datadog's query API takes), or a duration ago ("1h"). */
export function parseTimeParam(text: string, now: number): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const ago = parseDuration(text.replace(/^-/, ""));
  if (ago !== undefined) return now - ago;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * GET /api/series. Without `from`: the latest value of every series (gauges show the last sample
 * as it arrived; counts and rates the last flushed point, since a count only means something per
 * interval). With `from` (and optionally `until`, `tags`, `limit`): the stored history, one list of
 * `[time_ms, value]` per series. `?metric=power.watts` keeps one metric; a trailing `*` keeps a
 * prefix (`?metric=power.*`). Values are shown at the precision they carry (`readableNumber`);
 * the store keeps, and Datadog gets, the exact ones.
 * With `rollup` (avg, sum, min, max, count, optionally
 * `,seconds`) or `max_points`, each series comes back in buckets computed by the store, at most
 * `max_points` (default 1500) of them, and the answer names the interval used.
 */
export function registerSeriesApi(app: FastifyInstance, aggregator: () => Aggregator, store: Store, clock: Clock): void {
  let reader: RollupReader | undefined;
  app.get<{ Querystring: SeriesQuery }>("/api/series", async (req, reply) => {
    const q = req.query;
    const wanted = q.metric;
    if (q.from === undefined) {
      if (q.until !== undefined) return reply.code(400).send({ error: "until needs from (an ISO time, Unix seconds, or a duration ago such as 1h)" });
      const matches = wanted === undefined ? () => true : wanted.endsWith("*") ? (m: string) => m.startsWith(wanted.slice(0, -1)) : (m: string) => m === wanted;
      const series = aggregator()
        .view()
        .filter((s) => matches(s.metric))
        .map((s) => {
          const live = s.kind === "gauge" || s.kind === "rate" || !s.point;
          const shown = live ? { value: readableNumber(s.last.value), time: s.last.time } : { value: readableNumber(s.point!.value), time: s.point!.time };
          return { metric: s.metric, tags: s.tags, kind: s.kind, unit: s.unit, ...shown };
        });
      return { series };
    }

    const now = clock.now();
    const from = parseTimeParam(q.from, now);
    const until = q.until === undefined ? now : parseTimeParam(q.until, now);
    const limit = q.limit === undefined ? DEFAULT_LIMIT : Number(q.limit);
    const rolled =
      q.rollup === undefined && q.max_points === undefined
        ? undefined
        : q.rollup === undefined
          ? { fn: "avg" as const, seconds: undefined }
          : parseRollup(q.rollup);
    const maxPoints = q.max_points === undefined ? DEFAULT_MAX_POINTS : Number(q.max_points);
    const problems = [
      ...(typeof rolled === "string" ? [rolled] : []),
      ...(Number.isInteger(maxPoints) && maxPoints > 0 && maxPoints <= MAX_MAX_POINTS
        ? []
        : [`max_points: expected a whole number from 1 to ${MAX_MAX_POINTS}`]),
      ...(from !== undefined && until !== undefined && until < from ? ["until: must not be before from"] : []),
      ...(from === undefined ? [`from: "${q.from}" is not an ISO 8601 time, Unix seconds, or a duration ago such as 1h`] : []),
      ...(until === undefined ? [`until: "${q.until}" is not an ISO 8601 time, Unix seconds, or a duration ago such as 1h`] : []),
      ...(Number.isInteger(limit) && limit > 0 && limit <= MAX_LIMIT ? [] : [`limit: expected a whole number from 1 to ${MAX_LIMIT}`]),
    ];
    if (problems.length > 0) return reply.code(400).send({ error: problems.join("; ") });
    const tags = (q.tags ?? "")
      .split(",")
      .filter((t) => t.trim())
      .map((t) => normalizeTag(t.trim()));
    if (rolled !== undefined && typeof rolled !== "string") {
      const intervalMs = rollupIntervalMs(until! - from!, maxPoints, rolled.seconds);
      reader ??= new RollupReader(store.db);
      const r = reader.rollup({ metric: wanted ?? "*", tags, from: from!, until: until!, fn: rolled.fn, intervalMs, maxSeries: MAX_ROLLED_SERIES });
      return {
        from: new Date(from!).toISOString(),
        until: new Date(until!).toISOString(),
        rollup: { fn: rolled.fn, interval_s: intervalMs / 1000 },
        truncated: r.truncated,
        series: r.series,
      };
    }
    const result = store.points.history({ metric: wanted ?? "*", tags, from: from!, until: until!, limit });
    const series = result.series.map((s) => ({ ...s, points: s.points.map(([t, v]) => [t, readableNumber(v)] as [number, number]) }));
    return { from: new Date(from!).toISOString(), until: new Date(until!).toISOString(), truncated: result.truncated, series };
  });
}
