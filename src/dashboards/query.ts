/**
 * Datadog's metric query as a dashboard graphs it (docs/datadog-as-code.md, "Dashboard queries"):
 *
 *   space_aggr:metric{tag:value,…} [by {key,…}] [.rollup(aggregator[, seconds])]
 *   anomalies(<that query>, 'basic'|'agile'|'robust', bounds)
 *
 * e.g. `avg:my_metric{*} by {host}`, `anomalies(avg:postgresql.rows_fetched{*}, 'basic', 2)`,
 * `avg:my_metric{*}.rollup(sum, 3600)`. The parser returns a typed tree, so the Datadog sync and
 * the status page read the same thing, and every error carries the 0-based offset of the
 * problem in the query text.
 */

export type SpaceAggregation = "avg" | "sum" | "min" | "max";
/** https://docs.datadoghq.com/dashboards/functions/rollup/ */
type RollupAggregator = "avg" | "sum" | "min" | "max" | "count";
/** https://docs.datadoghq.com/dashboards/functions/algorithms/ (`adaptive` is retired). */
export type AnomalyAlgorithm = "basic" | "agile" | "robust";

export interface DashboardTagFilter {
  key: string;
  value: string;
  negated: boolean;
}

interface Rollup {
  aggregator: RollupAggregator;
  /** Absent: Datadog picks the interval from the time span. */
  seconds: number | undefined;
}

export interface SeriesQuery {
  kind: "series";
  space: SpaceAggregation;
  metric: string;
  /** Empty for `{*}`. */
  filters: DashboardTagFilter[];
  groupBy: string[];
  rollup: Rollup | undefined;
}

interface AnomaliesQuery {
  kind: "anomalies";
  series: SeriesQuery;
  algorithm: AnomalyAlgorithm;
  /** The band's width, "like standard deviations; 2 or 3". */
  bounds: number;
}

export type DashboardQuery = SeriesQuery | AnomaliesQuery;

export class DashboardQueryError extends Error {
  constructor(
    message: string,
    /** 0-based offset of the problem in the query text. */
    readonly offset: number,
  ) {
    super(message);
  }
}

const SPACE: readonly SpaceAggregation[] = ["avg", "sum", "min", "max"];
const ROLLUP: readonly RollupAggregator[] = ["avg", "sum", "min", "max", "count"];
const ALGORITHMS: readonly AnomalyAlgorithm[] = ["basic", "agile", "robust"];

const isWord = (c: string) => /[A-Za-z0-9_.]/.test(c);
const isTagChar = (c: string) => !/[\s,{}()]/.test(c);

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}

  peek(): string {
    this.skipSpace();
    return this.text[this.pos] ?? "";
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  startsWith(word: string): boolean {
    this.skipSpace();
    return this.text.startsWith(word, this.pos);
  }

  take(ok: (c: string) => boolean): string {
    this.skipSpace();
    const start = this.pos;
    while (this.pos < this.text.length && ok(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  expect(ch: string, after: string): void {
    if (this.peek() !== ch) this.fail(`expected "${ch}" ${after}${this.found()}`);
    this.pos++;
  }

  found(): string {
    this.skipSpace();
    return this.pos >= this.text.length ? ", found the end of the query" : `, found "${this.text.slice(this.pos, this.pos + 12)}"`;
  }

  fail(message: string, at = this.pos): never {
    throw new DashboardQueryError(message, at);
  }
}

/** Parses a dashboard query; throws a DashboardQueryError at the first problem. */
export function parseDashboardQuery(text: string): DashboardQuery {
  const c = new Cursor(text);
  let query: DashboardQuery;
  if (c.startsWith("anomalies")) {
    c.pos += "anomalies".length;
    c.expect("(", 'after "anomalies"');
    const series = parseSeries(c);
    c.expect(",", "after the query inside anomalies(…)");
    const quote = c.peek();
    if (quote !== "'" && quote !== '"') c.fail(`expected the algorithm in quotes ('basic', 'agile' or 'robust')${c.found()}`);
    c.pos++;
    const algorithmAt = c.pos;
    const algorithm = c.take((ch) => ch !== quote);
    if (!ALGORITHMS.includes(algorithm as AnomalyAlgorithm))
      c.fail(`unknown anomaly algorithm "${algorithm}" (expected ${ALGORITHMS.join(", ")})`, algorithmAt);
    c.expect(quote, "after the algorithm");
    c.expect(",", "after the algorithm (the bounds come next, e.g. 2)");
    const boundsAt = (c.skipSpace(), c.pos);
    const bounds = Number(c.take((ch) => /[0-9.]/.test(ch)));
    if (!Number.isFinite(bounds) || bounds <= 0) c.fail(`expected the bounds, a positive number such as 2 or 3${c.found()}`, boundsAt);
    c.expect(")", "to close anomalies(…)");
    query = { kind: "anomalies", series, algorithm: algorithm as AnomalyAlgorithm, bounds };
  } else {
    query = parseSeries(c);
  }
  if (c.peek() !== "") c.fail(`unexpected text after the query${c.found()}`);
  return query;
}

function parseSeries(c: Cursor): SeriesQuery {
  const spaceAt = (c.skipSpace(), c.pos);
  const space = c.take(isWord);
  if (!SPACE.includes(space as SpaceAggregation))
    c.fail(`expected a space aggregation (${SPACE.join(", ")}) before the metric${space ? `, found "${space}"` : c.found()}`, spaceAt);
  c.expect(":", `after "${space}"`);
  const metricAt = (c.skipSpace(), c.pos);
  const metric = c.take(isWord);
  if (!/^[A-Za-z][A-Za-z0-9_.]*$/.test(metric)) c.fail(`expected a metric name${c.found()}`, metricAt);
  c.expect("{", "after the metric name (write {*} for every series)");
  const filters = parseFilters(c);
  let groupBy: string[] = [];
  let rollup: Rollup | undefined;
  for (;;) {
    const at = (c.skipSpace(), c.pos);
    if (c.startsWith("by") && !isWord(c.text[c.pos + 2] ?? "")) {
      if (groupBy.length) c.fail('"by {…}" is written once', at);
      c.pos += 2;
      c.expect("{", 'after "by"');
      groupBy = parseKeys(c);
    } else if (c.startsWith(".rollup")) {
      if (rollup) c.fail(".rollup(…) is written once", at);
      c.pos += ".rollup".length;
      rollup = parseRollup(c);
    } else break;
  }
  return { kind: "series", space: space as SpaceAggregation, metric, filters, groupBy, rollup };
}

function parseFilters(c: Cursor): DashboardTagFilter[] {
  if (c.peek() === "*") {
    c.pos++;
    c.expect("}", "after {*");
    return [];
  }
  const filters: DashboardTagFilter[] = [];
  for (;;) {
    const at = (c.skipSpace(), c.pos);
    const negated = c.peek() === "!";
    if (negated) c.pos++;
    const tag = c.take(isTagChar);
    const colon = tag.indexOf(":");
    if (colon <= 0 || colon === tag.length - 1) c.fail(`expected a "key:value" tag${tag ? `, found "${tag}"` : c.found()}`, at);
    filters.push({ key: tag.slice(0, colon), value: tag.slice(colon + 1), negated });
    if (c.peek() === ",") {
      c.pos++;
      continue;
    }
    c.expect("}", "after the tags");
    return filters;
  }
}

function parseKeys(c: Cursor): string[] {
  const keys: string[] = [];
  for (;;) {
    const at = (c.skipSpace(), c.pos);
    const key = c.take(isTagChar);
    if (!key || key.includes(":")) c.fail(`expected a tag key to group by${key ? `, found "${key}"` : c.found()}`, at);
    keys.push(key);
    if (c.peek() === ",") {
      c.pos++;
      continue;
    }
    c.expect("}", "after the group keys");
    return keys;
  }
}

function parseRollup(c: Cursor): Rollup {
  c.expect("(", 'after ".rollup"');
  const at = (c.skipSpace(), c.pos);
  const aggregator = c.take(isWord);
  if (!ROLLUP.includes(aggregator as RollupAggregator))
    c.fail(`expected a rollup aggregator (${ROLLUP.join(", ")})${aggregator ? `, found "${aggregator}"` : c.found()}`, at);
  let seconds: number | undefined;
  if (c.peek() === ",") {
    c.pos++;
    const secondsAt = (c.skipSpace(), c.pos);
    const digits = c.take((ch) => /[0-9]/.test(ch));
    seconds = Number(digits);
    if (!digits || seconds < 1) c.fail(`expected the rollup interval in whole seconds${c.found()}`, secondsAt);
  }
  c.expect(")", "to close .rollup(…)");
  return { aggregator: aggregator as RollupAggregator, seconds };
}

/** The series query in Datadog's own spelling, as it goes into a widget's `queries[]`. */
export function formatSeries(q: SeriesQuery): string {
  const tags = q.filters.length ? q.filters.map((f) => `${f.negated ? "!" : ""}${f.key}:${f.value}`).join(",") : "*";
  const by = q.groupBy.length ? ` by {${q.groupBy.join(",")}}` : "";
  const rollup = q.rollup ? `.rollup(${q.rollup.aggregator}${q.rollup.seconds !== undefined ? `, ${q.rollup.seconds}` : ""})` : "";
  return `${q.space}:${q.metric}{${tags}}${by}${rollup}`;
}

/** The formula over a named query: the name itself, or `anomalies(query1, 'basic', 2)`. */
export function formulaOf(q: DashboardQuery, name: string): string {
  return q.kind === "anomalies" ? `anomalies(${name}, '${q.algorithm}', ${q.bounds})` : name;
}

export const seriesOf = (q: DashboardQuery): SeriesQuery => (q.kind === "anomalies" ? q.series : q);
