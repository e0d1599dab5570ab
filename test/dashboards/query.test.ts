import { describe, expect, it } from "vitest";
import { DashboardQueryError, formatSeries, formulaOf, parseDashboardQuery, seriesOf } from "../../src/dashboards/query.js";

const errorOf = (text: string): DashboardQueryError => {
  try {
    parseDashboardQuery(text);
  } catch (err) {
    if (err instanceof DashboardQueryError) return err;
    throw err;
  }
  throw new Error(`"${text}" parsed`);
};

describe("dashboard queries", () => {
  it("reads a grouped query over every series", () => {
    expect(parseDashboardQuery("avg:my_metric{*} by {host}")).toEqual({
      kind: "series",
      space: "avg",
      metric: "my_metric",
      filters: [],
      groupBy: ["host"],
      rollup: undefined,
    });
  });

  it("reads tag filters, negated ones and template variables", () => {
    const q = parseDashboardQuery("max:power.watts{host:x, env:home,!appliance:fridge,host:$host}");
    expect(q).toMatchObject({
      kind: "series",
      filters: [
        { key: "host", value: "x", negated: false },
        { key: "env", value: "home", negated: false },
        { key: "appliance", value: "fridge", negated: true },
        { key: "host", value: "$host", negated: false },
      ],
    });
  });

  it("reads anomalies with its algorithm and bounds", () => {
    const q = parseDashboardQuery("anomalies(avg:postgresql.rows_fetched{*}, 'basic', 2)");
    expect(q).toMatchObject({ kind: "anomalies", algorithm: "basic", bounds: 2, series: { metric: "postgresql.rows_fetched" } });
    expect(formulaOf(q, "query1")).toBe("anomalies(query1, 'basic', 2)");
    expect(formatSeries(seriesOf(q))).toBe("avg:postgresql.rows_fetched{*}");
  });

  it("reads a rollup with and without its interval, before or after the grouping", () => {
    expect(parseDashboardQuery("avg:my_metric{*}.rollup(sum, 3600)")).toMatchObject({ rollup: { aggregator: "sum", seconds: 3600 } });
    expect(parseDashboardQuery("avg:my_metric{*}.rollup(count)")).toMatchObject({ rollup: { aggregator: "count", seconds: undefined } });
    const q = parseDashboardQuery("sum:my_metric{*}.rollup(max, 60) by {host}");
    expect(formatSeries(seriesOf(q))).toBe("sum:my_metric{*} by {host}.rollup(max, 60)");
  });

  it("writes a query back the way it was read", () => {
    for (const text of [
      "avg:my_metric{*} by {host}",
      "avg:my_metric{host:x,env:home}",
      "avg:my_metric{*}.rollup(sum, 3600)",
      "min:hydro.ph{tank:tank1,!crop:basil} by {tank,crop}",
    ])
      expect(formatSeries(seriesOf(parseDashboardQuery(text)))).toBe(text);
  });

  it.each([
    ["my_metric{*}", 0, "space aggregation"],
    ["avg:my_metric", 13, 'expected "{"'],
    ["avg:my_metric{host}", 14, '"key:value"'],
    ["anomalies(avg:m{*}, 'adaptive', 2)", 21, 'unknown anomaly algorithm "adaptive"'],
    ["anomalies(avg:m{*}, 'basic', -1)", 29, "bounds"],
    ["avg:m{*}.rollup(median, 60)", 16, "rollup aggregator"],
    ["avg:m{*}.rollup(sum, 0)", 21, "whole seconds"],
    ["avg:m{*} by {host:x}", 13, "tag key"],
    ["avg:m{*} extra", 9, "unexpected text"],
  ])("rejects %j at offset %i", (text, offset, words) => {
    const err = errorOf(text);
    expect(err.message).toContain(words);
    expect(err.offset).toBe(offset);
  });
});
