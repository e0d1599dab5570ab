import { normalizeMetricName, normalizeTag } from "../pipeline/normalize.js";
import { tagValues, type SpaceAggregation, type TimeAggregation } from "../query/series.js";

/**
 * Datadog's metric monitor query, as documented for `POST /api/v1/monitor`
 * (docs/datadog-semantics.md §3.1):
 *
 *   time_aggr(time_window):[space_aggr:]metric{tags} [by {key,…}] operator threshold
 *
 * e.g. `avg(last_5m):my_metric{host:dd-ubuntu20} > 800`. Beyond Datadog, `last` is accepted as a
 * time aggregation (the newest value in the window). `change`/`pct_change` and `==`/`!=` are not
 * supported, and say so.
 */
export type Comparator = ">" | ">=" | "<" | "<=";

interface TagFilter {
  key: string;
  /** The value as written (normalised like a tag); may hold `*` wildcards. */
  value: string;
  negated: boolean;
  /** Compiled from `value` when it holds a wildcard. */
  pattern: RegExp | undefined;
}

export interface MetricQuery {
  timeAggregation: TimeAggregation;
  windowMs: number;
  /** As written: `last_5m`. */
  window: string;
  spaceAggregation: SpaceAggregation;
  metric: string;
  filters: TagFilter[];
  groupBy: string[];
  comparator: Comparator;
  threshold: number;
  /** The query written back in one canonical form: a monitor's identity (changing it resets the monitor). */
  canonical: string;
}

export class QueryError extends Error {
  constructor(
    message: string,
    /** 1-based character position in the query. */
    readonly column: number,
  ) {
    super(message);
  }
}

const TIME_AGGREGATIONS: readonly TimeAggregation[] = ["avg", "min", "max", "sum", "last"];
const SPACE_AGGREGATIONS: readonly SpaceAggregation[] = ["avg", "min", "max", "sum"];
const UNSUPPORTED_AGGREGATIONS = new Set(["change", "pct_change", "percentile", "count"]);
const COMPARATORS: readonly Comparator[] = [">=", "<=", ">", "<"];
/** Datadog's bounds on the time window (docs/datadog-semantics.md §3.1). */
const WINDOW_UNITS: Record<string, { ms: number; max: number }> = {
  m: { ms: 60_000, max: 10_080 },
  h: { ms: 3_600_000, max: 168 },
  d: { ms: 86_400_000, max: 7 },
  w: { ms: 604_800_000, max: 1 },
};

/** A tiny cursor over the query text: every error says where it happened. */
export class Cursor {
  pos = 0;
  constructor(readonly text: string) {}

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  peek(): string {
    this.skipSpace();
    return this.text[this.pos] ?? "";
  }

  done(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  fail(message: string, at = this.pos): never {
    throw new QueryError(message, at + 1);
  }

  expect(ch: string, after: string): void {
    if (this.peek() !== ch) this.fail(`expected "${ch}" ${after}${this.found()}`);
    this.pos++;
  }

  /** Reads characters while `ok` holds; returns them (possibly empty). */
  take(ok: (c: string) => boolean): string {
    this.skipSpace();
    const start = this.pos;
    while (this.pos < this.text.length && ok(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  found(): string {
    this.skipSpace();
    return this.pos >= this.text.length ? ", found the end of the query" : `, found "${this.text.slice(this.pos, this.pos + 12)}"`;
  }
}

const isWord = (c: string) => /[A-Za-z0-9_.]/.test(c);
const isTagChar = (c: string) => !/[\s,{}]/.test(c);

/** Parses a monitor query; throws a QueryError naming the column of the first problem. */
export function parseQuery(text: string): MetricQuery {
  const c: Cursor = new Cursor(text);

  const { aggregation: agg, window, windowMs } = parseTimeFrame(c);
  c.expect(":", `after "${agg}(${window})"`);

  const { spaceAggregation: space, metric: normalizedMetric, filters, groupBy } = parseScope(c);

  const opStart = (c.skipSpace(), c.pos);
  const comparator = COMPARATORS.find((op) => c.text.startsWith(op, c.pos));
  if (!comparator) {
    if (c.text.startsWith("==", c.pos) || c.text.startsWith("!=", c.pos))
      c.fail(`"${c.text.slice(c.pos, c.pos + 2)}" is not supported; use >, >=, < or <=`, opStart);
    c.fail(`expected a comparison (>, >=, <, <=) and a threshold${c.found()}`);
  }
  c.pos += comparator.length;
  const numStart = (c.skipSpace(), c.pos);
  const num = c.take((ch) => /[-+0-9.eE]/.test(ch));
  const threshold = Number(num);
  if (!num || !Number.isFinite(threshold)) c.fail(`expected a number after "${comparator}"${num ? `, found "${num}"` : c.found()}`, numStart);
  if (!c.done()) c.fail(`unexpected text after the threshold${c.found()}`);

  const canonical = `${agg}(${window}):${formatScope({ spaceAggregation: space, metric: normalizedMetric, filters, groupBy })} ${comparator} ${threshold}`;
  return {
    timeAggregation: agg,
    windowMs,
    window,
    spaceAggregation: space,
    metric: normalizedMetric,
    filters,
    groupBy,
    comparator,
    threshold,
    canonical,
  };
}

/** Reads `time_aggr(last_#u)` at the cursor. */
export function parseTimeFrame(c: Cursor): { aggregation: TimeAggregation; window: string; windowMs: number } {
  const aggStart = (c.skipSpace(), c.pos);
  const agg = c.take(isWord);
  if (!agg) c.fail(`expected a time aggregation (${TIME_AGGREGATIONS.join(", ")})${c.found()}`);
  if (UNSUPPORTED_AGGREGATIONS.has(agg)) c.fail(`"${agg}" is not supported; use ${TIME_AGGREGATIONS.join(", ")}`, aggStart);
  if (!TIME_AGGREGATIONS.includes(agg as TimeAggregation)) c.fail(`unknown time aggregation "${agg}" (expected ${TIME_AGGREGATIONS.join(", ")})`, aggStart);
  c.expect("(", `after "${agg}"`);
  const windowStart = (c.skipSpace(), c.pos);
  const window = c.take(isWord);
  const windowMs = windowMsOf(window);
  if (typeof windowMs === "string") c.fail(windowMs, windowStart);
  c.expect(")", `after the time window "${window}"`);
  return { aggregation: agg as TimeAggregation, window, windowMs };
}

/** `last_15m` in milliseconds, or why it is not a time window Datadog accepts (docs/datadog-semantics.md §3.1). */
export function windowMsOf(window: string): number | string {
  const w = /^last_(\d+)([mhdw])$/.exec(window);
  if (!w) return `expected a time window such as last_5m, last_1h, last_1d or last_1w${window ? `, found "${window}"` : ""}`;
  const n = Number(w[1]);
  const unit = WINDOW_UNITS[w[2]!]!;
  if (n < 1 || n > unit.max) return `the time window last_#${w[2]} takes 1 to ${unit.max}`;
  return n * unit.ms;
}

/** The part of a query that picks series: `[space_aggr:]metric{tags} [by {key,…}]`. */
export interface MetricScope {
  spaceAggregation: SpaceAggregation;
  metric: string;
  filters: TagFilter[];
  groupBy: string[];
}

/** Reads `[space_aggr:]metric{tags} [by {key,…}]` at the cursor (monitor queries and the inside of anomalies()). */
export function parseScope(c: Cursor): MetricScope {
  const nameStart = (c.skipSpace(), c.pos);
  let metric = c.take(isWord);
  let space: SpaceAggregation = "avg";
  if (c.peek() === ":") {
    if (!SPACE_AGGREGATIONS.includes(metric as SpaceAggregation))
      c.fail(`unknown space aggregation "${metric}" (expected ${SPACE_AGGREGATIONS.join(", ")})`, nameStart);
    space = metric as SpaceAggregation;
    c.pos++;
    metric = c.take(isWord);
  }
  if (!metric || !/^[A-Za-z]/.test(metric)) c.fail(`expected a metric name${c.found()}`);

  c.expect("{", `after the metric name (write {*} for every series)`);
  const filters = parseFilters(c);

  let groupBy: string[] = [];
  const byStart = (c.skipSpace(), c.pos);
  if (c.text.startsWith("by", c.pos) && !isWord(c.text[c.pos + 2] ?? "")) {
    c.pos += 2;
    c.expect("{", `after "by"`);
    groupBy = parseGroupKeys(c, byStart);
  }
  return { spaceAggregation: space, metric: normalizeMetricName(metric), filters, groupBy };
}

/** The scope written back in one canonical form. */
export function formatScope(s: MetricScope): string {
  const filterText = s.filters.length ? s.filters.map((f) => `${f.negated ? "!" : ""}${f.key}:${f.value}`).join(",") : "*";
  return `${s.spaceAggregation}:${s.metric}{${filterText}}${s.groupBy.length ? ` by {${s.groupBy.join(",")}}` : ""}`;
}

function parseFilters(c: Cursor): TagFilter[] {
  if (c.peek() === "*") {
    c.pos++;
    c.expect("}", `after "*"`);
    return [];
  }
  const filters: TagFilter[] = [];
  for (;;) {
    const start = (c.skipSpace(), c.pos);
    const raw = c.take(isTagChar);
    if (!raw) c.fail(`expected a "key:value" tag${c.found()}`);
    const negated = raw.startsWith("!");
    const body = negated ? raw.slice(1) : raw;
    const sep = body.indexOf(":");
    if (sep <= 0 || sep === body.length - 1) c.fail(`expected a "key:value" tag, found "${raw}" (Hearth's tags always have a key)`, start);
    const key = normalizeTag(body.slice(0, sep));
    const value = body
      .slice(sep + 1)
      .split("*")
      .map((part) => (part ? normalizeTag(`x:${part}`).slice(2) : ""))
      .join("*");
    const pattern = value.includes("*") ? new RegExp(`^${value.split("*").map(escapeRegExp).join(".*")}$`) : undefined;
    filters.push({ key, value, negated, pattern });
    if (!moreInBraces(c, "in the tag filter")) return filters;
  }
}

/** Past the "," or "}" after one item of a `{…}` list: true when another item follows. */
function moreInBraces(c: Cursor, where: string): boolean {
  const next = c.peek();
  if (next !== "," && next !== "}") c.fail(`expected "," or "}" ${where}${c.found()}`);
  c.pos++;
  return next === ",";
}

function parseGroupKeys(c: Cursor, byStart: number): string[] {
  const keys: string[] = [];
  for (;;) {
    const key = c.take(isTagChar);
    if (!key) c.fail(`expected a tag key to group by${c.found()}`);
    keys.push(normalizeTag(key));
    if (!moreInBraces(c, "after the group key")) break;
  }
  const dup = keys.find((k, i) => keys.indexOf(k) !== i);
  if (dup) c.fail(`"${dup}" appears twice in "by {…}"`, byStart);
  return keys;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Whether a series' tags pass every filter of a query (filters are ANDed, as in Datadog). */
export function matchesFilters(tags: readonly string[], filters: readonly TagFilter[], host: string): boolean {
  for (const f of filters) {
    const values = tagValues(tags, f.key, host);
    const hit = values.some((v) => (f.pattern ? f.pattern.test(v) : v === f.value));
    if (hit === f.negated) return false;
  }
  return true;
}

/** Whether `value` breaches `threshold` the way the query compares. */
export function breaches(value: number, comparator: Comparator, threshold: number): boolean {
  switch (comparator) {
    case ">":
      return value > threshold;
    case ">=":
      return value >= threshold;
    case "<":
      return value < threshold;
    case "<=":
      return value <= threshold;
  }
}
