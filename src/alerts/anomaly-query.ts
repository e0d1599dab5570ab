import type { AnomalyAlgorithm } from "../dashboards/query.js";
import type { Direction } from "../dashboards/anomalies.js";
import { Cursor, formatScope, parseScope, parseTimeFrame, windowMsOf, type MetricScope } from "./query.js";

/**
 * An anomaly monitor's query (docs/datadog-semantics.md §3.1, §9). Datadog's API form:
 *
 *   avg(last_4h):anomalies(avg:metric{tags} [by {key}], 'basic', 2[, direction='above', alert_window='last_15m', interval=60, count_default_zero='true']) >= 1
 *
 * and the shorter form the rules may also use, the monitor's time frame inside:
 *
 *   anomalies(avg(last_4h):metric{tags}, 'basic', 2) >= 1
 *
 * The time frame (`last_4h`) is the query window, which in Datadog "does not affect alert
 * evaluation"; the threshold is the fraction (0 to 1] of anomalous points in the trigger window.
 */
export interface AnomalyQuery {
  scope: MetricScope;
  algorithm: AnomalyAlgorithm;
  bounds: number;
  direction: Direction;
  queryWindowMs: number;
  /** `alert_window` when the query names one (it must then equal the trigger window). */
  alertWindow: string | undefined;
  /** `interval=` in seconds, when written. */
  intervalSeconds: number | undefined;
  threshold: number;
  canonical: string;
}

const ALGORITHMS: readonly AnomalyAlgorithm[] = ["basic", "agile", "robust"];
const DIRECTIONS: readonly Direction[] = ["above", "below", "both"];
const NAMED = ["direction", "alert_window", "interval", "count_default_zero", "seasonality"] as const;

/** Parses an anomaly monitor query; throws a QueryError naming the column of the first problem. */
export function parseAnomalyQuery(text: string): AnomalyQuery {
  const c: Cursor = new Cursor(text);
  let frame: ReturnType<typeof parseTimeFrame>;
  let scope: MetricScope;
  const inside = c.peek() === "a" && c.text.startsWith("anomalies", c.pos);
  if (inside) {
    c.pos += "anomalies".length;
    c.expect("(", 'after "anomalies"');
    frame = parseTimeFrame(c);
    c.expect(":", `after "${frame.aggregation}(${frame.window})"`);
    scope = parseScope(c);
  } else {
    frame = parseTimeFrame(c);
    c.expect(":", `after "${frame.aggregation}(${frame.window})"`);
    const at = (c.skipSpace(), c.pos);
    if (!c.text.startsWith("anomalies", c.pos)) c.fail(`expected anomalies(…)${c.found()}`, at);
    c.pos += "anomalies".length;
    c.expect("(", 'after "anomalies"');
    scope = parseScope(c);
  }
  c.expect(",", "after the query inside anomalies(…) (the algorithm comes next, e.g. 'basic')");
  const algorithm = quoted(c, "the algorithm ('basic', 'agile' or 'robust')");
  if (!ALGORITHMS.includes(algorithm.value as AnomalyAlgorithm))
    c.fail(`unknown anomaly algorithm "${algorithm.value}" (expected ${ALGORITHMS.join(", ")})`, algorithm.at);
  c.expect(",", "after the algorithm (the bounds come next, e.g. 2)");
  const bounds = number(c, "the bounds, a positive number such as 2 or 3");
  if (bounds.value <= 0) c.fail("the bounds must be a positive number such as 2 or 3", bounds.at);

  const named = new Map<string, { value: string; at: number }>();
  while (c.peek() === ",") {
    c.pos++;
    const at = (c.skipSpace(), c.pos);
    const name = c.take((ch) => /[a-z_]/.test(ch));
    if (!(NAMED as readonly string[]).includes(name)) c.fail(`unknown anomalies() option "${name}" (expected ${NAMED.join(", ")})`, at);
    if (named.has(name)) c.fail(`"${name}" is written twice`, at);
    c.expect("=", `after "${name}"`);
    named.set(name, c.peek() === "'" || c.peek() === '"' ? quoted(c, `the value of ${name}`) : { value: String(number(c, `the value of ${name}`).value), at });
  }
  c.expect(")", "to close anomalies(…)");

  const opAt = (c.skipSpace(), c.pos);
  if (!c.text.startsWith(">=", c.pos)) c.fail(`an anomaly monitor compares with ">=" (the fraction of anomalous points)${c.found()}`, opAt);
  c.pos += 2;
  const threshold = number(c, "the threshold, a fraction above 0 and at most 1");
  if (!(threshold.value > 0 && threshold.value <= 1)) c.fail("the threshold is the fraction of anomalous points: above 0 and at most 1", threshold.at);
  if (!c.done()) c.fail(`unexpected text after the threshold${c.found()}`);

  const direction = named.get("direction");
  if (direction && !DIRECTIONS.includes(direction.value as Direction)) c.fail(`direction is one of ${DIRECTIONS.join(", ")}`, direction.at);
  const alertWindow = named.get("alert_window");
  if (alertWindow) {
    const ms = windowMsOf(alertWindow.value);
    if (typeof ms === "string") c.fail(`alert_window: ${ms}`, alertWindow.at);
    if (ms > frame.windowMs) c.fail(`the query window ${frame.window} must be at least as long as alert_window`, alertWindow.at);
  }
  const interval = named.get("interval");
  if (interval && !(Number.isInteger(Number(interval.value)) && Number(interval.value) >= 1))
    c.fail("interval is the rollup interval in whole seconds", interval.at);
  // docs/datadog-semantics.md Trap 27: seasonality is left out for basic.
  const seasonality = named.get("seasonality");
  if (seasonality && algorithm.value === "basic") c.fail("leave seasonality out for 'basic' (Datadog rejects it)", seasonality.at);
  const countDefaultZero = named.get("count_default_zero");
  if (countDefaultZero && !["true", "false"].includes(countDefaultZero.value)) c.fail("count_default_zero is 'true' or 'false'", countDefaultZero.at);

  const options = [...named].map(([k, v]) => `, ${k}=${k === "interval" ? v.value : `'${v.value}'`}`).join("");
  return {
    scope,
    algorithm: algorithm.value as AnomalyAlgorithm,
    bounds: bounds.value,
    direction: (direction?.value as Direction | undefined) ?? "both",
    queryWindowMs: frame.windowMs,
    alertWindow: alertWindow?.value,
    intervalSeconds: interval ? Number(interval.value) : undefined,
    threshold: threshold.value,
    canonical: `${frame.aggregation}(${frame.window}):anomalies(${formatScope(scope)}, '${algorithm.value}', ${bounds.value}${options}) >= ${threshold.value}`,
  };
}

function quoted(c: Cursor, what: string): { value: string; at: number } {
  const quote = c.peek();
  if (quote !== "'" && quote !== '"') c.fail(`expected ${what} in quotes${c.found()}`);
  c.pos++;
  const at = c.pos;
  const end = c.text.indexOf(quote, at);
  if (end < 0) c.fail(`the quote opened here is not closed`, at - 1);
  c.pos = end + 1;
  return { value: c.text.slice(at, end), at };
}

function number(c: Cursor, what: string): { value: number; at: number } {
  const at = (c.skipSpace(), c.pos);
  const digits = c.take((ch) => /[0-9.]/.test(ch));
  const value = Number(digits);
  if (!digits || !Number.isFinite(value)) c.fail(`expected ${what}${c.found()}`, at);
  return { value, at };
}
