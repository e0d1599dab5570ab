import { describe, expect, it } from "vitest";
import { Aggregator } from "../../src/pipeline/aggregate.js";
import { SeriesNamer, normalizeMetricName, normalizeTag } from "../../src/pipeline/normalize.js";
import type { MetricKind } from "../../src/pipeline/sample.js";

const namer = new SeriesNamer(["env:home"]);
const add = (a: Aggregator, metric: string, value: number, time: number, kind: MetricKind = "gauge", tags: string[] = []) =>
  a.add(namer.name(metric, tags), { metric, value, tags, time, kind });

describe("aggregation per flush interval", () => {
  it("keeps the last gauge value, sums counts, and sends nothing for a quiet series", () => {
    const a = new Aggregator(0);
    add(a, "power.watts", 10, 1000);
    add(a, "power.watts", 12, 2000);
    add(a, "door.opened", 1, 1500, "count");
    add(a, "door.opened", 2, 2500, "count");
    expect(a.flush(10_000).map((p) => [p.metric, p.type, p.value, p.interval])).toEqual([
      ["power.watts", "gauge", 12, 10_000],
      ["door.opened", "count", 3, 10_000],
    ]);
    expect(a.flush(20_000)).toEqual([]);
  });

  it("turns a monotonic counter into a per-second rate, and a reset into a new baseline, not a negative spike", () => {
    const a = new Aggregator(0);
    add(a, "pg.commits", 1000, 1000, "monotonic");
    add(a, "pg.commits", 1100, 5000, "monotonic");
    expect(a.flush(10_000).map((p) => [p.type, p.value])).toEqual([["rate", 10]]);
    add(a, "pg.commits", 1300, 15_000, "monotonic");
    add(a, "pg.commits", 20, 16_000, "monotonic"); // the server restarted
    add(a, "pg.commits", 70, 18_000, "monotonic");
    expect(a.flush(20_000).map((p) => p.value)).toEqual([25]); // (200 + 50) / 10 s
  });

  it("keys series on normalised names and sorted tags, so two spellings make one series", () => {
    const a = new Aggregator(0);
    add(a, "power.watts", 1, 1000, "gauge", ["Device:Kitchen Plug", "source:tasmota"]);
    add(a, "power.watts", 2, 2000, "gauge", ["source:tasmota", "device:kitchen_plug"]);
    expect(a.size).toBe(1);
    expect(a.view()[0]!.tags).toEqual(["device:kitchen_plug", "env:home", "source:tasmota"]);
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
