import { describe, expect, it } from "vitest";
import { Aggregator } from "../../src/pipeline/aggregate.js";
import { SeriesNamer, normalizeMetricName, normalizeTag } from "../../src/pipeline/normalize.js";
import type { MetricKind } from "../../src/pipeline/sample.js";

const T0 = Date.UTC(2026, 0, 15, 11, 0, 0);

/** An aggregator fed through the namer, as the pipeline does. */
function aggregator() {
  const agg = new Aggregator(T0);
  const namer = new SeriesNamer(["env:home"]);
  const add = (metric: string, tags: string[], value: number, time: number, kind: MetricKind = "gauge", stamped = false) => {
    const series = namer.name(metric, tags);
    agg.add(series, { metric: series.metric, tags: series.tags, value, time, kind, ...(stamped ? { stamped: true as const } : {}) });
  };
  return { agg, add };
}

describe("aggregation per series and flush interval", () => {
  it("keeps a gauge's last value at its own time, sums a count, and turns a monotonic counter into a per-second rate", () => {
    const { agg, add } = aggregator();
    add("power.watts", ["device:pow1"], 100, T0 + 1_000);
    add("power.watts", ["device:pow1"], 120, T0 + 6_000);
    add("meter.pulses", ["device:pow1"], 3, T0 + 2_000, "count");
    add("meter.pulses", ["device:pow1"], 4, T0 + 7_000, "count");
    add("power.energy_total", ["device:pow1"], 1000, T0 + 1_000, "monotonic");
    add("power.energy_total", ["device:pow1"], 1030, T0 + 9_000, "monotonic");
    const points = agg.flush(T0 + 10_000);
    expect(points.map((p) => [p.metric, p.type, p.value, p.time, p.interval])).toEqual([
      ["power.watts", "gauge", 120, T0 + 6_000, 10_000],
      ["meter.pulses", "count", 7, T0 + 10_000, 10_000],
      ["power.energy_total", "rate", 3, T0 + 10_000, 10_000],
    ]);
  });

  it("keeps every stamped gauge value of an interval as its own point, while unstamped values still replace each other", () => {
    const { agg, add } = aggregator();
    // A collection every 5 s with a 10 s flush: both runs are points.
    add("my_metric", [], 10, T0 + 0, "gauge", true);
    add("my_metric", [], 20, T0 + 5_000, "gauge", true);
    // A device that sends twice at the same timestamp: the later value is the point of that time.
    add("tank.level", [], 40, T0 + 3_000, "gauge", true);
    add("tank.level", [], 41, T0 + 3_000, "gauge", true);
    // Readings stamped on arrival (no timestamp of their own) are DogStatsD-like: the last wins.
    add("power.watts", [], 100, T0 + 1_000);
    add("power.watts", [], 120, T0 + 6_000);
    const first = agg.flush(T0 + 10_000);
    expect(first.map((p) => [p.metric, p.value, p.time - T0])).toEqual([
      ["my_metric", 10, 0],
      ["my_metric", 20, 5_000],
      ["tank.level", 41, 3_000],
      ["power.watts", 120, 6_000],
    ]);
    add("my_metric", [], 30, T0 + 10_000, "gauge", true);
    expect(agg.flush(T0 + 20_000).map((p) => [p.metric, p.value, p.time - T0])).toEqual([["my_metric", 30, 10_000]]);
    expect(agg.view().find((v) => v.metric === "my_metric")?.point).toEqual({ value: 30, time: T0 + 10_000, type: "gauge" });
  });

  it("does not turn a counter reset into a negative spike", () => {
    const { agg, add } = aggregator();
    add("power.energy_total", [], 500, T0, "monotonic");
    add("power.energy_total", [], 520, T0 + 5_000, "monotonic");
    const before = agg.flush(T0 + 10_000);
    add("power.energy_total", [], 3, T0 + 12_000, "monotonic"); // the device rebooted
    const during = agg.flush(T0 + 20_000);
    add("power.energy_total", [], 13, T0 + 25_000, "monotonic");
    const after = agg.flush(T0 + 30_000);
    expect(before.map((p) => p.value)).toEqual([2]);
    expect(during).toEqual([]);
    expect(after.map((p) => p.value)).toEqual([1]);
  });

  it("keys series after normalising names and tags, so two spellings make one series", () => {
    const { agg, add } = aggregator();
    add("power.watts", ["Device:Pow1", "env:home"], 1, T0 + 1_000);
    add("power.watts", ["device:pow1"], 2, T0 + 2_000);
    add("power-watts", ["device:pow1"], 3, T0 + 3_000);
    const points = agg.flush(T0 + 10_000);
    expect(points.map((p) => [p.key, p.value])).toEqual([
      ["power.watts|device:pow1,env:home", 2],
      ["power_watts|device:pow1,env:home", 3],
    ]);
  });

  it("sends nothing for a series that had no sample in the interval", () => {
    const { agg, add } = aggregator();
    add("power.watts", [], 1, T0 + 1_000);
    expect(agg.flush(T0 + 10_000)).toHaveLength(1);
    expect(agg.flush(T0 + 20_000)).toEqual([]);
  });
});

describe("Datadog naming rules", () => {
  it.each([
    ["power.watts", "power.watts"],
    ["power-watts!", "power_watts"],
    ["9lives.count", "lives.count"],
    ["temp °C", "temp_C"],
  ])("metric %j → %j", (a, b) => expect(normalizeMetricName(a)).toBe(b));

  it.each([
    ["Device:Kitchen Plug", "device:kitchen_plug"],
    ["room:Küche", "room:küche"],
    ["path:/a/b.c-d", "path:/a/b.c-d"],
    ["_x:y", "x:y"],
  ])("tag %j → %j", (a, b) => expect(normalizeTag(a)).toBe(b));
});
