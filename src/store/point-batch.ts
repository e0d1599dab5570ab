import type { Point } from "../pipeline/aggregate.js";

/** Datadog's intake types in the order the batch numbers them. */
const TYPES: readonly Point["type"][] = ["gauge", "count", "rate"];
const TYPE_INDEX: Record<Point["type"], number> = { gauge: 0, count: 1, rate: 2 };

/** A series the writer has not been told about yet (or whose unit changed): sent once, then named by its handle. */
type SeriesEntry = [handle: number, key: string, metric: string, tags: string[], unit: string | undefined];

/**
 * One flush's points as a handful of typed arrays and the series new since the last batch:
 * structured clone copies (or transfers) them in one piece, where 10k point objects would be
 * 10k objects to walk and rebuild on the other side. https://nodejs.org/api/worker_threads.html#portpostmessagevalue-transferlist
 */
export interface PointBatch {
  /** The writer forgets every handle it knows before reading this batch. */
  reset: boolean;
  series: SeriesEntry[];
  handles: Uint32Array;
  times: Float64Array;
  values: Float64Array;
  intervals: Float64Array;
  types: Uint8Array;
}

/** The buffers a batch can hand over instead of copying. */
export const transferables = (b: PointBatch): ArrayBuffer[] =>
  [b.handles.buffer, b.times.buffer, b.values.buffer, b.intervals.buffer, b.types.buffer] as ArrayBuffer[];

/** Handles are forgotten and sent afresh past this many series, so neither side grows without bound. */
const MAX_HANDLES = 200_000;

/** The hub's side: numbers each series once and packs each flush's points. */
export class PointPacker {
  private readonly handles = new Map<string, { handle: number; unit: string | undefined }>();
  private pendingReset = false;

  pack(points: readonly Point[]): PointBatch {
    if (this.handles.size + points.length > MAX_HANDLES) {
      this.handles.clear();
      this.pendingReset = true;
    }
    const n = points.length;
    const batch: PointBatch = {
      reset: this.pendingReset,
      series: [],
      handles: new Uint32Array(n),
      times: new Float64Array(n),
      values: new Float64Array(n),
      intervals: new Float64Array(n),
      types: new Uint8Array(n),
    };
    this.pendingReset = false;
    for (let i = 0; i < n; i++) {
      const p = points[i]!;
      let known = this.handles.get(p.key);
      if (!known || known.unit !== p.unit) {
        known = { handle: known?.handle ?? this.handles.size, unit: p.unit };
        this.handles.set(p.key, known);
        batch.series.push([known.handle, p.key, p.metric, p.tags, p.unit]);
      }
      batch.handles[i] = known.handle;
      batch.times[i] = p.time;
      batch.values[i] = p.value;
      batch.intervals[i] = p.interval;
      batch.types[i] = TYPE_INDEX[p.type];
    }
    return batch;
  }

  /** The writer was replaced (it lost what it knew): every series is sent afresh. */
  forget(): void {
    this.handles.clear();
    this.pendingReset = true;
  }
}

/** The writer's side: turns batches back into points. */
export class PointUnpacker {
  private readonly series: { key: string; metric: string; tags: string[]; unit: string | undefined }[] = [];

  unpack(b: PointBatch): Point[] {
    if (b.reset) this.series.length = 0;
    for (const [handle, key, metric, tags, unit] of b.series) this.series[handle] = { key, metric, tags, unit };
    const out = new Array<Point>(b.handles.length);
    for (let i = 0; i < b.handles.length; i++) {
      const s = this.series[b.handles[i]!]!;
      out[i] = {
        key: s.key,
        metric: s.metric,
        tags: s.tags,
        type: TYPES[b.types[i]!]!,
        unit: s.unit,
        time: b.times[i]!,
        value: b.values[i]!,
        interval: b.intervals[i]!,
      };
    }
    return out;
  }
}
