import type { FastifyInstance } from "fastify";
import type { Aggregator } from "../pipeline/aggregate.js";

/**
 * GET /api/series: the latest value of every series. Gauges show the last sample as it arrived;
 * counts and rates show the last flushed point (a count only means something per interval).
 * `?metric=power.watts` keeps one metric; a trailing `*` keeps a prefix (`?metric=power.*`).
 */
export function registerSeriesApi(app: FastifyInstance, aggregator: () => Aggregator): void {
  app.get<{ Querystring: { metric?: string } }>("/api/series", async (req) => {
    const wanted = req.query.metric;
    const matches = wanted === undefined ? () => true : wanted.endsWith("*") ? (m: string) => m.startsWith(wanted.slice(0, -1)) : (m: string) => m === wanted;
    const series = aggregator()
      .view()
      .filter((s) => matches(s.metric))
      .map((s) => {
        const live = s.kind === "gauge" || s.kind === "rate" || !s.point;
        const shown = live ? { value: s.last.value, time: s.last.time } : { value: s.point!.value, time: s.point!.time };
        return { metric: s.metric, tags: s.tags, kind: s.kind, unit: s.unit, ...shown };
      });
    return { series };
  });
}
