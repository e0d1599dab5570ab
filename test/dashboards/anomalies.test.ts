import { describe, expect, it } from "vitest";
import { basicBand, basicLookbackMs, isAnomalous, quantile } from "../../src/dashboards/anomalies.js";

/** A seeded generator (mulberry32), so the "noise" is the same on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 6, 0);
/** rows fetched per minute: ~5000 with ±200 of noise, and whatever `shape` adds at minute i. */
function rows(minutes: number, shape: (i: number) => number = () => 0, seed = 7): [number, number][] {
  const r = seeded(seed);
  return Array.from({ length: minutes }, (_, i) => [T0 + i * MIN, 5000 + (r() - 0.5) * 400 + shape(i)]);
}

describe("the basic anomaly band", () => {
  it("takes quantiles between ranks", () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(quantile([10], 0.75)).toBe(10);
  });

  it("has no band until five points precede a point, then lags: a point never judges itself", () => {
    const band = basicBand(rows(10), { bounds: 2, lookbackMs: basicLookbackMs(MIN) });
    expect(band.slice(0, 5).every((p) => p.lower === null && p.upper === null)).toBe(true);
    expect(band.slice(5).every((p) => p.lower !== null && p.upper! > p.lower)).toBe(true);
    // A huge value at the end lies outside its own band: it was not part of it.
    const spiked = rows(10, (i) => (i === 9 ? 50_000 : 0));
    expect(isAnomalous(basicBand(spiked, { bounds: 2, lookbackMs: basicLookbackMs(MIN) })[9]!)).toBe(true);
  });

  it("keeps noise inside a 2-deviation band and puts a step outside it", () => {
    const series = rows(180, (i) => (i >= 120 && i < 135 ? 3000 : 0));
    const band = basicBand(series, { bounds: 2, lookbackMs: basicLookbackMs(MIN) });
    const before = band.slice(60, 120);
    expect(before.filter((p) => isAnomalous(p)).length).toBeLessThanOrEqual(3);
    expect(band.slice(120, 135).every((p) => isAnomalous(p))).toBe(true);
    expect(band.slice(120, 135).every((p) => isAnomalous(p, "above") && !isAnomalous(p, "below"))).toBe(true);
  });

  it("is not widened by one spike: the next point is judged by a band of the same width", () => {
    const calm = basicBand(rows(90), { bounds: 2, lookbackMs: basicLookbackMs(MIN) });
    const spiked = basicBand(
      rows(90, (i) => (i === 80 ? 40_000 : 0)),
      { bounds: 2, lookbackMs: basicLookbackMs(MIN) },
    );
    const width = (p: { lower: number | null; upper: number | null }) => p.upper! - p.lower!;
    expect(isAnomalous(spiked[80]!)).toBe(true);
    expect(width(spiked[81]!) / width(calm[81]!)).toBeLessThan(1.1);
  });

  it("takes a long anomaly for the new normal, as Datadog says basic does", () => {
    const band = basicBand(
      rows(240, (i) => (i >= 120 ? 3000 : 0)),
      { bounds: 2, lookbackMs: basicLookbackMs(MIN) },
    );
    expect(isAnomalous(band[121]!)).toBe(true);
    expect(band.slice(200).filter((p) => isAnomalous(p)).length).toBeLessThanOrEqual(3);
  });

  it("is scale-insensitive: the same shape a million times larger is judged the same", () => {
    const shape = (i: number) => (i >= 100 && i < 110 ? 3000 : 0);
    const small = basicBand(rows(150, shape), { bounds: 2, lookbackMs: basicLookbackMs(MIN) });
    const big = basicBand(
      rows(150, shape).map(([t, v]) => [t, v * 1e6] as [number, number]),
      { bounds: 2, lookbackMs: basicLookbackMs(MIN) },
    );
    expect(big.map((p) => isAnomalous(p))).toEqual(small.map((p) => isAnomalous(p)));
  });

  it("keeps a flat series' float noise inside the band", () => {
    const flat: [number, number][] = Array.from({ length: 30 }, (_, i) => [T0 + i * MIN, 42 + (i % 2) * 1e-9]);
    expect(basicBand(flat, { bounds: 2, lookbackMs: basicLookbackMs(MIN) }).some((p) => isAnomalous(p))).toBe(false);
  });
});
