/*
 * How a query reads series, the same for monitors (src/alerts/) and the dashboards the hub draws
 * (src/dashboards/): a tag's values, the group a series falls in, and the reduction of values by
 * a time or space aggregation (docs/datadog-semantics.md §3.1).
 */

export type TimeAggregation = "avg" | "min" | "max" | "sum" | "last";
export type SpaceAggregation = "avg" | "min" | "max" | "sum";

/** The values of `key` on a series. `host` falls back to the configured host: series carry it as a resource, not a tag. */
export function tagValues(tags: readonly string[], key: string, host: string): string[] {
  const prefix = `${key}:`;
  const values = tags.filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length));
  if (values.length === 0 && key === "host") return [host.toLowerCase()];
  return values;
}

/**
 * The group a series belongs to: `appliance:stove` (several keys joined with ","), `*` for a
 * monitor without `by`, or undefined when the series lacks one of the keys.
 */
export function groupOf(tags: readonly string[], groupBy: readonly string[], host: string): string | undefined {
  if (groupBy.length === 0) return "*";
  const parts: string[] = [];
  for (const key of groupBy) {
    const v = tagValues(tags, key, host)[0];
    if (v === undefined) return undefined;
    parts.push(`${key}:${v}`);
  }
  return parts.join(",");
}

/** Reduces a window's values the way the time (or space) aggregation says. */
export function aggregate(values: readonly number[], how: TimeAggregation | SpaceAggregation): number {
  switch (how) {
    case "avg":
      return values.reduce((a, b) => a + b, 0) / values.length;
    case "sum":
      return values.reduce((a, b) => a + b, 0);
    case "min":
      return values.reduce((a, b) => (b < a ? b : a));
    case "max":
      return values.reduce((a, b) => (b > a ? b : a));
    case "last":
      return values[values.length - 1]!;
  }
}
