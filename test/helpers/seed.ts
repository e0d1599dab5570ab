import type { Point } from "../../src/pipeline/aggregate.js";
import { seriesKey } from "../../src/pipeline/normalize.js";
import type { Store } from "../../src/store/store.js";

/**
 * Writes a week of points at `stepMs` ending at `until` into a hub's store, the way flushes
 * would, and returns them: `value(i)` gives the i-th point's value.
 */
export async function seedWeek(
  store: Store,
  opts: { metric: string; tags: string[]; unit?: string; until: number; stepMs?: number; value: (i: number) => number },
): Promise<[number, number][]> {
  const step = opts.stepMs ?? 10_000;
  const count = Math.floor((7 * 86_400_000) / step);
  const tags = [...opts.tags].sort();
  const key = seriesKey(opts.metric, tags);
  const points: [number, number][] = [];
  let batch: Point[] = [];
  for (let i = 0; i < count; i++) {
    const time = opts.until - (count - 1 - i) * step;
    const value = opts.value(i);
    points.push([time, value]);
    batch.push({ key, metric: opts.metric, tags, type: "gauge", unit: opts.unit, time, value, interval: step });
    if (batch.length === 10_000) {
      await store.append(batch, time);
      batch = [];
    }
  }
  if (batch.length) await store.append(batch, opts.until);
  return points;
}
