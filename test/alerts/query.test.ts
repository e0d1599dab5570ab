import { describe, expect, it } from "vitest";
import { matchesFilters, parseQuery, QueryError } from "../../src/alerts/query.js";
import { aggregate, groupOf } from "../../src/query/series.js";

// The query grammar is Datadog's metric alert: docs/datadog-semantics.md §3.1.
describe("monitor query", () => {
  it("reads the story's query: time aggregation, window, metric, tag filter, comparator, threshold", () => {
    const q = parseQuery("avg(last_5m):my_metric{host:dd-ubuntu20} > 800");
    expect(q).toMatchObject({
      timeAggregation: "avg",
      windowMs: 300_000,
      spaceAggregation: "avg",
      metric: "my_metric",
      filters: [{ key: "host", value: "dd-ubuntu20", negated: false }],
      groupBy: [],
      comparator: ">",
      threshold: 800,
    });
  });

  it("reads a space aggregation, several filters, a negation, a wildcard and by {…}", () => {
    const q = parseQuery("max(last_1h):sum:power.watts{room:kitchen,!device:test*} by {appliance,room} >= 1500.5");
    expect(q.timeAggregation).toBe("max");
    expect(q.windowMs).toBe(3_600_000);
    expect(q.spaceAggregation).toBe("sum");
    expect(q.filters.map((f) => [f.key, f.value, f.negated])).toEqual([
      ["room", "kitchen", false],
      ["device", "test*", true],
    ]);
    expect(q.groupBy).toEqual(["appliance", "room"]);
    expect(q.comparator).toBe(">=");
    expect(q.threshold).toBe(1500.5);
    expect(q.canonical).toBe("max(last_1h):sum:power.watts{room:kitchen,!device:test*} by {appliance,room} >= 1500.5");
  });

  it("accepts `last` (beyond Datadog) and the documented window bounds", () => {
    expect(parseQuery("last(last_10080m):x{*} < 1").windowMs).toBe(10_080 * 60_000);
    expect(parseQuery("min(last_1w):x{*} <= 0").windowMs).toBe(604_800_000);
    expect(() => parseQuery("min(last_10081m):x{*} < 1")).toThrow(/1 to 10080/);
    expect(() => parseQuery("min(last_2w):x{*} < 1")).toThrow(/1 to 1/);
  });

  it("says what is wrong and at which character", () => {
    const cases: [string, RegExp, number][] = [
      ["mean(last_5m):x{*} > 1", /unknown time aggregation "mean"/, 1],
      ["change(last_5m):x{*} > 1", /"change" is not supported/, 1],
      ["avg(5m):x{*} > 1", /expected a time window such as last_5m/, 5],
      ["avg(last_5m)x{*} > 1", /expected ":" after "avg\(last_5m\)"/, 13],
      ["avg(last_5m):x > 1", /expected "\{"/, 16],
      ["avg(last_5m):x{production} > 1", /"key:value" tag, found "production"/, 16],
      ["avg(last_5m):x{*} == 1", /"==" is not supported/, 19],
      ["avg(last_5m):x{*} > high", /expected a number after ">"/, 21],
      ["avg(last_5m):x{*} by {a,a} > 1", /"a" appears twice/, 19],
      ["avg(last_5m):x{*} > 1 or 2", /unexpected text after the threshold/, 23],
    ];
    for (const [text, message, column] of cases) {
      let error: unknown;
      try {
        parseQuery(text);
      } catch (err) {
        error = err;
      }
      expect(error, text).toBeInstanceOf(QueryError);
      expect((error as QueryError).message, text).toMatch(message);
      expect((error as QueryError).column, text).toBe(column);
    }
  });

  it("matches host: against the configured host when a series carries no host tag (docs/design.md, `host`)", () => {
    const q = parseQuery("avg(last_5m):my_metric{host:dd-ubuntu20} > 800");
    expect(matchesFilters(["env:home"], q.filters, "dd-ubuntu20")).toBe(true);
    expect(matchesFilters(["env:home"], q.filters, "DD-Ubuntu20")).toBe(true);
    expect(matchesFilters(["env:home"], q.filters, "pve1")).toBe(false);
    expect(matchesFilters(["host:dd-ubuntu20"], q.filters, "pve1")).toBe(true);
  });

  it("ANDs filters, honours negation and wildcards, and groups by tag values", () => {
    const q = parseQuery("avg(last_5m):power.watts{room:kitchen,!device:test*} by {appliance} > 1");
    expect(matchesFilters(["appliance:stove", "device:plug1", "room:kitchen"], q.filters, "h")).toBe(true);
    expect(matchesFilters(["appliance:stove", "device:test-plug", "room:kitchen"], q.filters, "h")).toBe(false);
    expect(matchesFilters(["appliance:stove", "device:plug1", "room:hall"], q.filters, "h")).toBe(false);
    expect(groupOf(["appliance:stove", "room:kitchen"], q.groupBy, "h")).toBe("appliance:stove");
    expect(groupOf(["room:kitchen"], q.groupBy, "h")).toBeUndefined();
    expect(groupOf(["room:kitchen"], [], "h")).toBe("*");
    expect(groupOf(["room:kitchen"], ["host", "room"], "pve1")).toBe("host:pve1,room:kitchen");
  });

  it("reduces a window the way each aggregation says (docs/datadog-semantics.md §3.1)", () => {
    const values = [100, 950, 400];
    expect(aggregate(values, "avg")).toBeCloseTo(483.33, 2);
    expect(aggregate(values, "max")).toBe(950);
    expect(aggregate(values, "min")).toBe(100);
    expect(aggregate(values, "sum")).toBe(1450);
    expect(aggregate(values, "last")).toBe(400);
  });
});
