import { formatDuration } from "../config-kit/common.js";
import type { Tank } from "../house/schema.js";
import type { Point } from "../pipeline/aggregate.js";
import { displayValue } from "./messages.js";
import type { TankRangeMonitor } from "./monitor-schema.js";
import type { EvaluationInput, MonitorRuntime, Observation } from "./runtime.js";
import { holdFor, levelFor, type AlertState, type Hold } from "./state.js";
import { hysteresisOf, READING_NAME, TANK_METRIC, watchedTanks, type TankRange } from "./tank-range.js";

interface TankData {
  /** [time, value] per flush, in time order, covering only the window. */
  entries: [number, number][];
  lastDataAt: number;
  hold: Hold;
}

export const defaultTankRangeMessage = `{{#is_alert}}
{{tank.name}}: {{reading}}, {{side}} {{range_of}} ({{range}}).
{{/is_alert}}
{{#is_warning}}
{{tank.name}}: {{reading}}, close to the edge of {{range_of}} ({{range}}).
{{/is_warning}}
{{#is_no_data}}
{{tank.name}}: no {{reading_name}} reading for {{no_data_timeframe}}.
{{/is_no_data}}
{{#is_recovery}}
{{tank.name}}: {{reading}}, back inside {{range_of}} ({{range}}).
{{/is_recovery}}`;

const withUnit = (v: number, unit: string) => `${displayValue(v)}${unit ? ` ${unit}` : ""}`;
const rangeText = (r: TankRange) => (r.max === Infinity ? withUnit(r.min, r.unit) : `${r.min}–${withUnit(r.max, r.unit)}`);

/**
 * A tank's reading against its range (docs/alerts.md, "A tank's crop range"): the flushes of the
 * window averaged, then judged on both sides of the range. Outside it is ALERT, within
 * `warning_margin` of an edge WARN, each only once it has held for `for`; it comes back only once
 * the reading is `hysteresis` inside the edge it crossed, so a probe wobbling on the edge does not
 * flap. One group per tank: `tank:<name>`.
 */
export class TankRangeRuntime implements MonitorRuntime {
  readonly metric: string;
  readonly fingerprint: string;
  readonly settleMs: number;
  readonly staticVars: Record<string, unknown>;
  private readonly ranges: Map<string, TankRange>;
  private readonly noDataMs: number | undefined;
  private readonly hysteresis: number;
  private readonly tanks = new Map<string, TankData>();
  private readonly batch = new Map<string, { values: number[]; time: number }>();

  constructor(
    private readonly def: TankRangeMonitor,
    tanks: ReadonlyMap<string, Tank>,
  ) {
    this.metric = TANK_METRIC[def.reading];
    this.ranges = watchedTanks(def, tanks);
    this.hysteresis = hysteresisOf(def);
    this.noDataMs = def.notify_no_data ? (def.no_data_timeframe ?? 2 * def.window) : undefined;
    this.settleMs = Math.max(this.noDataMs ?? 0, def.for);
    // A changed crop or range is a different thing watched: the monitor starts over.
    this.fingerprint = `tank_range ${JSON.stringify([def.reading, [...this.ranges], def.window, def.for, this.hysteresis, def.warning_margin ?? null, this.noDataMs ?? null])}`;
    this.staticVars = {
      reading_name: READING_NAME[def.reading],
      metric: this.metric,
      window: formatDuration(def.window),
      for_duration: formatDuration(def.for),
      no_data_timeframe: this.noDataMs === undefined ? undefined : formatDuration(this.noDataMs),
    };
  }

  scopeTags(group: string): string[] {
    return [group];
  }

  accept(p: Point): void {
    const tag = p.tags.find((t) => t.startsWith("tank:"));
    if (!tag || !this.ranges.has(tag.slice("tank:".length))) return;
    const b = this.batch.get(tag);
    if (b) {
      b.values.push(p.value);
      b.time = Math.max(b.time, p.time);
    } else this.batch.set(tag, { values: [p.value], time: p.time });
  }

  endBatch(): void {
    for (const [group, b] of this.batch) {
      let data = this.tanks.get(group);
      if (!data) this.tanks.set(group, (data = { entries: [], lastDataAt: b.time, hold: {} }));
      const mean = b.values.reduce((a, v) => a + v, 0) / b.values.length;
      let i = data.entries.length;
      while (i > 0 && data.entries[i - 1]![0] > b.time) i--;
      data.entries.splice(i, 0, [b.time, mean]);
      data.lastDataAt = Math.max(data.lastDataAt, b.time);
    }
    this.batch.clear();
  }

  evaluate({ now, stateOf }: EvaluationInput): Observation[] {
    const out: Observation[] = [];
    for (const [group, data] of this.tanks) {
      const range = this.ranges.get(group.slice("tank:".length))!;
      while (data.entries.length > 0 && data.entries[0]![0] <= now - this.def.window) data.entries.shift();
      const values = data.entries.filter(([t]) => t <= now).map(([, v]) => v);
      const current = stateOf(group);
      if (values.length > 0) {
        const value = values.reduce((a, v) => a + v, 0) / values.length;
        const observed = this.levelOf(value, range, current === "NO_DATA" ? "OK" : current);
        out.push({ group, target: holdFor(observed, current, data.hold, now, this.def.for), value, vars: this.varsFor(value, range) });
      } else if (this.noDataMs !== undefined && now - data.lastDataAt >= this.noDataMs) {
        data.hold = {};
        out.push({ group, target: "NO_DATA", value: null, vars: this.varsFor(undefined, range) });
      }
    }
    return out;
  }

  /** Each edge is a threshold of its own, with the recovery thresholds `hysteresis` inside it; the worse side wins. */
  private levelOf(value: number, r: TankRange, current: AlertState): "OK" | "WARN" | "ALERT" {
    const w = this.def.warning_margin;
    const h = this.hysteresis;
    const side = (edge: number, inward: 1 | -1, comparator: ">" | "<") =>
      levelFor(
        value,
        comparator,
        {
          critical: edge,
          warning: w === undefined ? undefined : edge + inward * w,
          critical_recovery: edge + inward * h,
          warning_recovery: w === undefined ? undefined : edge + inward * (w + h),
        },
        current,
      );
    const above = r.max === Infinity ? "OK" : side(r.max, -1, ">");
    const below = side(r.min, 1, "<");
    const rank = { OK: 0, WARN: 1, ALERT: 2 } as const;
    return rank[above] >= rank[below] ? above : below;
  }

  private varsFor(value: number | undefined, r: TankRange): Record<string, unknown> {
    const side = value === undefined ? "" : value > r.max ? "above" : value < r.min ? "below" : "inside";
    return {
      crop: r.crop ?? "",
      unit: r.unit,
      range: rangeText(r),
      range_of: r.of,
      range_min: r.min,
      range_max: r.max === Infinity ? undefined : r.max,
      side,
      reading: value === undefined ? "" : `${READING_NAME[this.def.reading]} ${withUnit(value, r.unit)}`,
    };
  }

  snapshot(): unknown {
    return Object.fromEntries(this.tanks);
  }

  restore(data: unknown): void {
    for (const [group, d] of Object.entries(data as Record<string, TankData>))
      if (this.ranges.has(group.slice("tank:".length))) this.tanks.set(group, { ...d });
  }
}
