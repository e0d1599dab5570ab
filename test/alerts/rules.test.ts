import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { formatIssue } from "../../src/config-kit/issues.js";
import { loadAll } from "../../src/config/load.js";
import { checkReferences } from "../../src/config/references.js";
import { writeTestConfig } from "../helpers/hub.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function load(rules: Record<string, string>) {
  const { dir, configFile, rulesDir } = writeTestConfig({ rules });
  dirs.push(dir);
  const result = loadAll({ configFile, rulesDir, check: checkReferences });
  return { result, problems: result.ok ? [] : result.issues.map((i) => formatIssue(i).replaceAll(`${rulesDir}/`, "")) };
}

describe("monitors and calendars in rules files", () => {
  it("loads monitors and calendars with their defaults and where they were written", () => {
    const { result } = load({
      "alerts.yaml": `monitors:
  - name: my_metric high
    query: "avg(last_5m):my_metric{host:test-host} > 800"
    thresholds: {warning: 500}
    notify_no_data: true
    renotify_interval: 30
    calendars: [quiet_hours]
  - name: stove left on
    type: nobody_home
    appliances: [stove]
    for: 10m
calendars:
  - name: quiet_hours
    timezone: Europe/Berlin
    windows:
      - {days: mon-fri, from: "19:00", to: "09:00"}
`,
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [metric, appliance] = result.loaded.rules.monitors;
    expect(metric).toMatchObject({ type: "metric", notify_no_data: true, renotify_interval: 1_800_000, recipients: [], source: { line: 2, col: 5 } });
    expect(appliance).toMatchObject({ type: "nobody_home", for: 600_000, source: { line: 8, col: 5 } });
    expect(result.loaded.rules.calendars[0]).toMatchObject({
      announce: ["scheduled", "digest"],
      notify_end_states: ["ALERT", "WARN", "NO_DATA"],
      mute_first_recovery_notification: false,
    });
    expect(result.loaded.config.alerts.evaluation_interval).toBe(60_000);
  });

  it("reports every problem with its position: query, thresholds, templates, windows, references", () => {
    const { problems } = load({
      "a.yaml": `monitors:
  - name: one
    query: "avg(last_5m):my_metric{host:x} >> 800"
  - name: two
    query: "avg(last_5m):my_metric{*} < 10"
    thresholds: {critical: 10, warning: 5, critical_recovery: 8}
    message: "{{#is_alert}}{{valu}}{{/is_alert}}"
    no_data_timeframe: 10
calendars:
  - name: quiet
    timezone: Europe/Berln
    windows:
      - {days: mon-fry, from: "19:00", to: "9am"}
      - {date: 2026-12-31, from: "22:00", to: "02:00"}
      - {rrule: "FREQ=WEEKLY;BYDAY=XX"}
`,
    });
    expect(problems).toEqual([
      'a.yaml:3:12: monitors[0].query: expected a number after ">", found "> 800" (at character 33 of the query)',
      'a.yaml:6:41: monitors[1].thresholds.warning: must be above the critical threshold 10 for "<"',
      'a.yaml:6:63: monitors[1].thresholds.critical_recovery: must be above the critical threshold 10 for "<"',
      'a.yaml:7:14: monitors[1].message: template line 1: unknown variable "valu" (did you mean "value"?)',
      "a.yaml:8:24: monitors[1].no_data_timeframe: has no effect unless notify_no_data is true",
      'a.yaml:11:15: calendars[0].timezone: expected an IANA time zone such as "Europe/Berlin" or "UTC"',
      'a.yaml:13:16: calendars[0].windows[0].days: "mon-fry" is not a weekday or a range such as "mon-fri" (use mon, tue, wed, thu, fri, sat, sun)',
      'a.yaml:13:44: calendars[0].windows[0].to: expected a time "HH:MM" (00:00 to 24:00), got "9am"',
      "a.yaml:14:47: calendars[0].windows[1].to: to must be later than from on a date; for an evening that runs past midnight write start and end",
      'a.yaml:15:17: calendars[0].windows[2].rrule: "BYDAY=XX" is not a valid BYDAY',
    ]);
  });

  it("suggests the key or type that was meant", () => {
    const { problems } = load({
      "a.yaml": `monitors:
  - name: one
    query: "avg(last_5m):x{*} > 1"
    thresold: {warning: 0}
  - name: two
    type: nobody_hom
  - name: three
    type: nobody_home
`,
    });
    expect(problems).toEqual([
      'a.yaml:4:5: monitors[0]: unknown key "thresold" (did you mean "thresholds"?)',
      'a.yaml:6:11: monitors[1].type must be one of "metric", "nobody_home", "tank_range", "hearth", "anomaly", got "nobody_hom" (did you mean "nobody_home"?)',
      "a.yaml:7:5: monitors[2].for is required",
    ]);
  });

  it("checks across files: unique names, calendars that exist", () => {
    const { problems } = load({
      "a.yaml": `monitors:
  - name: high
    query: "avg(last_5m):x{*} > 1"
    calendars: [quiet_hour]
calendars:
  - {name: quiet_hours, timezone: UTC, windows: [{days: [sat, sun]}]}
`,
      "b.yaml": `monitors:
  - name: high
    query: "avg(last_5m):y{*} > 1"
calendars:
  - {name: quiet_hours, timezone: UTC, windows: [{days: [sun]}]}
`,
    });
    expect(problems).toEqual([
      'a.yaml:2:5: monitor "high": no calendar named "quiet_hour" (did you mean "quiet_hours"?)',
      'b.yaml:2:5: monitor "high" is already defined at a.yaml:2:5',
      'b.yaml:5:5: calendar "quiet_hours" is already defined at a.yaml:6:5',
    ]);
  });
});
