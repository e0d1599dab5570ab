import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kit/clock.js";
import type { EvaluatedWidget } from "../../src/dashboards/evaluate.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { seedWeek } from "../helpers/seed.js";

const NOW = Date.UTC(2026, 0, 24, 12, 0, 0);
const RULES = {
  "dashboards.yaml": {
    version: 1,
    dashboards: [
      {
        name: "house",
        title: "The house",
        time: "1d",
        template_variables: ["appliance"],
        widgets: [
          { type: "timeseries", title: "power by appliance", queries: "sum:power.watts{appliance:$appliance} by {appliance}" },
          { type: "timeseries", title: "hourly sum", queries: "avg:power.watts{!appliance:kettle}.rollup(sum, 3600)", display: "bars" },
          {
            type: "timeseries",
            title: "rows",
            time: "4h",
            queries: ["anomalies(avg:postgresql.rows_fetched{*}, 'basic', 2)", "anomalies(avg:postgresql.rows_fetched{*}, 'agile', 2)"],
          },
          { type: "query_value", title: "most power", query: "max:power.watts{*}", aggregator: "max", unit: "W" },
          { type: "note", text: "Power comes from the plugs." },
        ],
      },
    ],
  },
};

let t: TestHub;
let stove: [number, number][];
let kettle: [number, number][];
let rows: [number, number][];

beforeAll(async () => {
  t = await startTestHub({ clock: new ManualClock(NOW), rules: RULES });
  stove = await seedWeek(t.hub.store, { metric: "power.watts", tags: ["appliance:stove"], until: NOW - 60_000, stepMs: 60_000, value: (i) => 1000 + (i % 7) });
  kettle = await seedWeek(t.hub.store, {
    metric: "power.watts",
    tags: ["appliance:kettle"],
    until: NOW - 60_000,
    stepMs: 60_000,
    value: (i) => 2000 + (i % 5),
  });
  // rows fetched: a steady ~5000 with a step to 9000 for the last 10 minutes.
  rows = await seedWeek(t.hub.store, {
    metric: "postgresql.rows_fetched",
    tags: ["db:test"],
    until: NOW - 60_000,
    stepMs: 60_000,
    value: (i) => (i >= 10_070 ? 9000 : 5000 + ((i * 37) % 11) * 20),
  });
});
afterAll(async () => t?.stop());

const board = async (query = "") => {
  const res = await fetch(`${t.httpUrl}/api/dashboards/house${query}`);
  return { status: res.status, body: (await res.json()) as { evaluated: EvaluatedWidget[]; variables: Record<string, string>; error?: string } };
};
const ts = (w: EvaluatedWidget) => (w.type === "timeseries" ? w : undefined)!;

/** What the test expects: points in [from, until] bucketed on the epoch and reduced. */
function bucket(points: [number, number][], from: number, until: number, stepMs: number, fn: (vs: number[]) => number): [number, number][] {
  const out = new Map<number, number[]>();
  for (const [time, v] of points)
    if (time >= from && time <= until) out.set(Math.floor(time / stepMs) * stepMs, [...(out.get(Math.floor(time / stepMs) * stepMs) ?? []), v]);
  return [...out].map(([b, vs]) => [b, fn(vs)]);
}
const sum = (vs: number[]) => vs.reduce((a, b) => a + b, 0);
const avg = (vs: number[]) => sum(vs) / vs.length;

describe("GET /api/dashboards", () => {
  it("lists the rules' dashboards with their widgets' queries", async () => {
    const { dashboards } = (await (await fetch(`${t.httpUrl}/api/dashboards`)).json()) as {
      dashboards: { name: string; widgets: { type: string; queries?: string[] }[] }[];
    };
    expect(dashboards.map((d) => d.name)).toEqual(["house"]);
    expect(dashboards[0]!.widgets.map((w) => w.type)).toEqual(["timeseries", "timeseries", "timeseries", "query_value", "note"]);
    expect(dashboards[0]!.widgets[1]!.queries).toEqual(["avg:power.watts{!appliance:kettle}.rollup(sum, 3600)"]);
  });

  it("draws one series per `by` group over the live span, and a template variable narrows it", async () => {
    const all = ts((await board()).body.evaluated[0]!);
    expect(all.until - all.from).toBe(86_400_000);
    expect(all.queries[0]!.series.map((s) => s.group)).toEqual(["appliance:kettle", "appliance:stove"]);
    const step = all.interval_s * 1000;
    expect(all.queries[0]!.series[1]!.points).toEqual(bucket(stove, all.from, all.until, step, avg));
    const one = await board("?appliance=stove");
    expect(one.body.variables).toEqual({ appliance: "stove" });
    expect(ts(one.body.evaluated[0]!).queries[0]!.series.map((s) => s.group)).toEqual(["appliance:stove"]);
  });

  it("sums per hour as .rollup(sum, 3600) says, leaving out the negated tag", async () => {
    const w = ts((await board()).body.evaluated[1]!);
    expect(w.interval_s).toBe(3600);
    expect(w.display).toBe("bars");
    expect(w.queries[0]!.datadog).toEqual({ query: "avg:power.watts{!appliance:kettle}.rollup(sum, 3600)", formula: "query1" });
    expect(w.queries[0]!.series).toHaveLength(1);
    expect(w.queries[0]!.series[0]!.points).toEqual(bucket(stove, w.from, w.until, 3_600_000, sum));
  });

  it("draws the basic anomaly band, the step outside it; agile comes with its note", async () => {
    const w = ts((await board()).body.evaluated[2]!);
    const [basic, agile] = w.queries;
    expect(basic!.datadog.formula).toBe("anomalies(query1, 'basic', 2)");
    const s = basic!.series[0]!;
    expect(s.band).toHaveLength(s.points.length);
    // The band exists from the window's first point: the hour before the window feeds it.
    expect(s.band![0]![1]).not.toBeNull();
    const stepStart = rows[10_070]![0];
    const outside = s.points.filter(([, v], i) => v > s.band![i]![2]! || v < s.band![i]![1]!).map(([t0]) => t0);
    expect(outside.length).toBe(s.anomalous);
    expect(outside.length).toBeGreaterThanOrEqual(5);
    expect(outside.every((t0) => t0 >= Math.floor(stepStart / (w.interval_s * 1000)) * w.interval_s * 1000)).toBe(true);
    expect(agile!.note).toMatch(/'agile' is seasonal: Datadog needs at least three weeks of history/);
    expect(agile!.series[0]!.band).toBeUndefined();
  });

  it("reduces a query value over its span", async () => {
    const w = (await board()).body.evaluated[3]!;
    expect(w).toMatchObject({ type: "query_value", aggregator: "max", unit: "W" });
    const dayAgo = NOW - 86_400_000;
    expect(w.type === "query_value" && w.value).toBe(Math.max(...[...stove, ...kettle].filter(([time]) => time >= dayAgo).map(([, v]) => v)));
  });

  it("says what is wrong with a request", async () => {
    expect((await board("?max_points=0")).body.error).toBe("max_points: expected a whole number from 1 to 2000");
    const missing = await fetch(`${t.httpUrl}/api/dashboards/nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toContain('no dashboard named "nope"');
  });
});
