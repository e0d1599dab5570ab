import { describe, expect, it } from "vitest";
import type { AlertEvent } from "../../src/alerts/events.js";
import { Monitor } from "../../src/alerts/monitor-schema.js";
import type { ReplayLine } from "../../src/alerts/replay-input.js";
import { replay } from "../../src/assembly/replay.js";
import { silentLogger } from "../../src/kit/log.js";
import { fixturePath } from "../helpers/fixtures.js";
import { loadTestConfig } from "../helpers/hub.js";

const MIN = 60_000;
const T0 = Date.parse("2026-01-05T06:00:00Z");
/** Per-minute wobble of the quiet level: its quartiles are ±10, so the 2-bound band is about ±30 around 1000. */
const WOBBLE = [0, 15, -10, 5, -15, 10, -5, 20, -20];
const SURGE_FROM = T0 + 120 * MIN; // 08:00
const SURGE_UNTIL = T0 + 132 * MIN; // 08:12, exclusive

/** postgresql.rows_fetched every 10 s from 06:00 to 09:00: 1000 ± 20, but 5000 from 08:00 to 08:12. */
function rowsFetched(): ReplayLine[] {
  const lines: ReplayLine[] = [];
  for (let t = T0 + 5_000, line = 1; t < T0 + 180 * MIN; t += 10_000, line++) {
    const minute = Math.floor((t - T0) / MIN);
    const value = t >= SURGE_FROM && t < SURGE_UNTIL ? 5000 : 1000 + WOBBLE[minute % WOBBLE.length]!;
    lines.push({ t, line, metric: "postgresql.rows_fetched", value, tags: ["db:test"], kind: "gauge" });
  }
  return lines;
}

const at = (t: number) => new Date(t).toISOString().replace(".000Z", "Z");

/**
 * Datadog's anomaly monitor on the hub (docs/alerts.md, "Anomaly monitors"), on replayed data:
 * the local 'basic' band is built from the hour before each one-minute point; a 12-minute surge
 * lies outside it from its first minute. With a threshold of 1 over a 10-minute trigger window the
 * monitor alerts once ten finished minutes are all anomalous (08:10), and recovers when the
 * fraction over the recovery window is at most critical_recovery (0: ten normal minutes after
 * the surge's last, 08:22), or, without one, below the threshold (the first normal minute, 08:13).
 */
describe("anomaly monitors on replayed data", () => {
  it("trigger when the whole trigger window is anomalous and recover by the recovery window", () => {
    const loaded = loadTestConfig(fixturePath("replay/anomaly/hearth.yaml"), fixturePath("replay/anomaly/rules"));
    const events: AlertEvent[] = [];
    const summary = replay(loaded, rowsFetched(), { from: T0 }, (e) => events.push(e), silentLogger());
    expect(summary.fed).toBe(180 * 6);
    const transitions = events.flatMap((e) =>
      e.type === "transition" && e.monitor.startsWith("rows fetched") ? [`${e.t} ${e.monitor}: ${e.from}→${e.to} ${e.value}`] : [],
    );
    expect(transitions).toEqual([
      `${at(T0 + 130 * MIN)} rows fetched unusual: OK→ALERT 1`,
      `${at(T0 + 130 * MIN)} rows fetched above the band: OK→ALERT 1`,
      `${at(T0 + 133 * MIN)} rows fetched above the band: ALERT→OK 0.9`,
      `${at(T0 + 142 * MIN)} rows fetched unusual: ALERT→OK 0`,
    ]);
    const alert = events.find((e) => e.type === "notification" && e.monitor === "rows fetched unusual" && e.state === "ALERT");
    expect(alert).toMatchObject({ recipients: ["alex"], subject: "[Triggered] rows fetched unusual" });
    expect(alert && "body" in alert ? alert.body : "").toContain("a fraction of 1 of its points over the last_10m were anomalous (threshold 1)");
  });

  it("a surge shorter than the trigger window does not alert", () => {
    const loaded = loadTestConfig(fixturePath("replay/anomaly/hearth.yaml"), fixturePath("replay/anomaly/rules"));
    const events: AlertEvent[] = [];
    const short = rowsFetched().map((l) => ("metric" in l && l.t >= SURGE_FROM + 9 * MIN && l.t < SURGE_UNTIL ? { ...l, value: 1000 } : l));
    replay(loaded, short, { from: T0 }, (e) => events.push(e), silentLogger());
    expect(events.filter((e) => e.type === "transition" && e.monitor.startsWith("rows fetched"))).toEqual([]);
  });
});

const anomaly = (over: Record<string, unknown>) =>
  Monitor.safeParse({
    type: "anomaly",
    name: "rows",
    query: "anomalies(avg(last_4h):postgresql.rows_fetched{*}, 'basic', 2) >= 1",
    threshold_windows: { trigger_window: "last_15m", recovery_window: "last_15m" },
    ...over,
  });
const problems = (r: ReturnType<typeof anomaly>) => (r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));

describe("anomaly monitor rules", () => {
  it("accept the issue's query with Datadog's threshold windows", () => {
    expect(problems(anomaly({}))).toEqual([]);
  });

  it("say why agile and robust are not evaluated on the hub", () => {
    expect(problems(anomaly({ query: "anomalies(avg(last_4h):postgresql.rows_fetched{*}, 'agile', 2) >= 1" }))).toEqual([
      "query: 'agile' is seasonal: Datadog needs at least three weeks of history for it (three times its weekly season) and the hub keeps one, so its band is drawn in Datadog only; the hub evaluates 'basic'",
    ]);
  });

  it("hold Datadog's rules on windows and thresholds", () => {
    // DOC:content/en/monitors/types/anomaly.md: threshold 50 %, trigger 4h → recovery at least 121 min.
    expect(
      problems(
        anomaly({ query: "anomalies(avg(last_1d):m{*}, 'basic', 2) >= 0.5", threshold_windows: { trigger_window: "last_4h", recovery_window: "last_2h" } }),
      ),
    ).toEqual(["threshold_windows.recovery_window: must be at least 121 minutes for a last_4h trigger window at threshold 0.5"]);
    expect(problems(anomaly({ query: "avg(last_4h):anomalies(avg:m{*}, 'basic', 2, alert_window='last_30m') >= 1" }))).toEqual([
      "threshold_windows.trigger_window: must equal the query's alert_window (last_30m)",
    ]);
    expect(problems(anomaly({ thresholds: { critical: 0.5 } }))).toEqual(["thresholds.critical: must equal the query's threshold (1), or be left out"]);
    expect(problems(anomaly({ query: "anomalies(avg(last_4h):m{*}, 'basic', 2) > 1" }))).toEqual([
      'query: an anomaly monitor compares with ">=" (the fraction of anomalous points), found "> 1" (at character 42 of the query)',
    ]);
    expect(problems(anomaly({ query: "anomalies(avg(last_4h):m{*}, 'basic', 2, interval=600) >= 1" }))).toEqual([
      "query: interval must be between 1 s and a fifth of the trigger window (180 s)",
    ]);
  });
});
