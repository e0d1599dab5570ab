import type { AnomalyAlgorithm } from "./query.js";

/**
 * Datadog's `basic` anomaly algorithm, computed locally (docs/datadog-semantics.md §9). Datadog
 * documents it as "a simple lagging rolling quantile computation to determine the range of
 * expected values" that "uses little data and adjusts quickly to changing conditions"
 * (https://docs.datadoghq.com/dashboards/functions/algorithms/); the exact quantiles and window
 * are not published, so Hearth's band is its own reading of that sentence:
 *
 * - each point is judged against the points *before* it (lagging: a point never widens its own
 *   band) within `lookbackMs`;
 * - the centre is their median, the spread their inter-quartile range / 1.349 (the standard
 *   deviation of a normal distribution with that IQR), so one spike does not widen the band;
 * - the band is centre ± bounds × spread, bounds being the query's "like standard deviations"
 *   number (2 or 3).
 *
 * Shared by the status page's dashboards and by anomaly monitors, so both see the same band.
 */

interface BandPoint {
  t: number;
  value: number;
  /** Null until enough points precede this one to judge it. */
  lower: number | null;
  upper: number | null;
}

interface BandOptions {
  bounds: number;
  /** How far back the points that judge a point reach. */
  lookbackMs: number;
  /** Fewer preceding points than this: no band yet. */
  minPoints?: number;
}

export type Direction = "above" | "below" | "both";

/** Fewer points than this and a quantile says little: Datadog too "shows bounds soon after", not at once. */
const MIN_BAND_POINTS = 5;
/** The least lookback: an hour of points, or 20 intervals when the interval is long. */
export const basicLookbackMs = (intervalMs: number): number => Math.max(3_600_000, 20 * intervalMs);

/** The q-quantile (0..1) of sorted values, interpolated linearly between ranks. */
export function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * The spread's floor: a series that has been perfectly flat has an IQR of 0, and every change
 * would be anomalous. A thousandth of the centre (scale-insensitive, as Datadog's basic is) keeps
 * float noise inside the band.
 */
const spreadFloor = (centre: number): number => Math.max(Math.abs(centre) * 1e-3, 1e-9);

/** The basic band over `points` (oldest first, one per rollup interval). */
export function basicBand(points: readonly (readonly [number, number])[], opts: BandOptions): BandPoint[] {
  const min = opts.minPoints ?? MIN_BAND_POINTS;
  const out: BandPoint[] = [];
  let start = 0;
  for (let i = 0; i < points.length; i++) {
    const [t, value] = points[i]!;
    while (start < i && points[start]![0] < t - opts.lookbackMs) start++;
    if (i - start < min) {
      out.push({ t, value, lower: null, upper: null });
      continue;
    }
    const sorted = points
      .slice(start, i)
      .map(([, v]) => v)
      .sort((a, b) => a - b);
    const centre = quantile(sorted, 0.5);
    const spread = Math.max((quantile(sorted, 0.75) - quantile(sorted, 0.25)) / 1.349, spreadFloor(centre));
    out.push({ t, value, lower: centre - opts.bounds * spread, upper: centre + opts.bounds * spread });
  }
  return out;
}

/** Whether a point lies outside its band in the direction asked; a point without a band is not anomalous. */
export function isAnomalous(p: BandPoint, direction: Direction = "both"): boolean {
  if (p.lower === null || p.upper === null) return false;
  return (direction !== "below" && p.value > p.upper) || (direction !== "above" && p.value < p.lower);
}

/**
 * `agile` and `robust` are seasonal: Datadog needs "at least three times the season" of history
 * (weekly by default, so three weeks) and reads up to six
 * (https://docs.datadoghq.com/monitors/types/anomaly/). The hub's store keeps a week, so Hearth
 * computes them in Datadog only and says so where it would draw or evaluate them.
 */
export const LOCAL_ALGORITHMS: readonly AnomalyAlgorithm[] = ["basic"];
export const seasonalNote = (algorithm: AnomalyAlgorithm): string =>
  `'${algorithm}' is seasonal: Datadog needs at least three weeks of history for it (three times its weekly season) and the hub keeps one, so its band is drawn in Datadog only`;
