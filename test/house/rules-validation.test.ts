import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { formatIssue } from "../../src/config-kit/issues.js";
import { loadAll } from "../../src/config/load.js";
import { checkReferences } from "../../src/config/references.js";
import { writeTestConfig } from "../helpers/hub.js";

/** Loads rules files as `hearth check` does and returns every problem as the user sees it. */
function problems(rules: Record<string, string>): string[] {
  const { dir, configFile, rulesDir } = writeTestConfig({ rules });
  dirs.push(dir);
  const result = loadAll({ configFile, rulesDir, env: {}, check: checkReferences });
  return result.ok ? [] : result.issues.map((i) => formatIssue({ ...i, file: i.file.slice(rulesDir.length + 1) }));
}
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("appliances, people and tanks in rules files", () => {
  it("accepts the short and the long forms", () => {
    expect(
      problems({
        "house.yaml": [
          "appliances:",
          "  stove: kitchen_plug",
          "  fridge: {device: fridge_plug, threshold: 50, hysteresis: 20, min_duration: 2m}",
          "people:",
          "  alex: presence/alex",
          "  jane: {owntracks: [owntracks/jane/phone, owntracks/jane/tablet], stale_after: 6h}",
          "  sam: {}",
          "tanks:",
          "  bed: {crop: basil, topic: tele/tank/SENSOR, ph: ANALOG.A1, ec: {path: EC, unit: ppm, ppm_factor: 500}}",
          "",
        ].join("\n"),
      }),
    ).toEqual([]);
  });

  it("reports every mistake at once, each with its file, line and column", () => {
    expect(
      problems({
        "a.yaml": ["appliances:", "  stove: kitchen_plug", ""].join("\n"),
        "b.yaml": ["appliances:", "  stove: other_plug", "  iron: {device: bathroom_plug, threshold: 20, hysteresis: 25}", ""].join("\n"),
        "c.yaml": [
          "people:",
          "  Alex: presence/alex",
          "  jane: {owntracks: owntracks/jane/#}",
          "tanks:",
          "  bed:",
          "    crop: lettuse",
          "    ec: {topic: t/ec, unit: ppm}",
          "    ph: {path: A1}",
          "  empty: {crop: basil}",
          "",
        ].join("\n"),
      }),
    ).toEqual([
      "b.yaml:3:60: appliances.iron.hysteresis: hysteresis must be smaller than threshold, or the appliance could never turn off",
      "c.yaml:2:3: people: \"Alex\": use lower-case letters, digits, '_' and '-', starting with a letter",
      "c.yaml:3:21: people.jane.owntracks: an OwnTracks topic is owntracks/<user>/<device>; use + for any device, not #",
      'c.yaml:6:11: tanks.bed.crop: expected one of "lettuce", "basil", "tomato", "strawberry", got "lettuse" (did you mean "lettuce"?)',
      "c.yaml:7:9: tanks.bed.ec.ppm_factor: a ppm reading needs ppm_factor: 500 or 700 (see the meter's manual)",
      "c.yaml:8:9: tanks.bed.ph: ph needs a topic, here or on the tank",
      "c.yaml:9:10: tanks.empty: a tank needs at least one reading: ph, ec, water_temperature or level",
    ]);
  });

  it("refuses a name used twice across files, pointing at both", () => {
    expect(problems({ "a.yaml": "appliances:\n  stove: kitchen_plug\n", "b.yaml": "appliances:\n  stove: other_plug\n" })).toEqual([
      expect.stringMatching(/^b\.yaml:2:3: appliances: "stove" is already defined at .*a\.yaml:2:3$/),
    ]);
  });
});

describe("tank ranges and the monitors that watch them, as `hearth check` reports them", () => {
  const TANK = ["tanks:", "  bed:", "    crop: lettuce", "    topic: tele/bed/SENSOR", "    ph: ANALOG.A1", "    ec: {path: EC, unit: µS/cm}"];

  it("catches an ec_range written in µS/cm, with the range in mS/cm it probably means", () => {
    expect(problems({ "house.yaml": [...TANK, "    ec_range: [750, 950]", "    ph_range: [5.5, 16]", ""].join("\n") })).toEqual([
      "house.yaml:7:15: tanks.bed.ec_range: ec_range is in mS/cm, and no crop grows at 950 mS/cm: [750, 950] looks like µS/cm; did you mean mS/cm, [0.75, 0.95]? (TDS ppm: divide by the meter's 500 or 700)",
      "house.yaml:8:15: tanks.bed.ph_range: a pH range lies within 0 to 14",
    ]);
  });

  it("accepts tank_range monitors on a crop's range and on a refill mark", () => {
    const house = [...TANK, "    level: {path: Weight, unit: kg}", "    refill_below: 30", ""].join("\n");
    const monitors = [
      "monitors:",
      "  - {name: bed pH, type: tank_range, reading: ph, warning_margin: 0.3}",
      "  - {name: bed water, type: tank_range, reading: level, tanks: [bed]}",
      "",
    ].join("\n");
    expect(problems({ "house.yaml": house, "alerts.yaml": monitors })).toEqual([]);
  });

  it("points at a monitor that names a missing tank, a tank without the range, or a margin that leaves nothing to recover into", () => {
    const house = [...TANK, "  bare: {topic: t/bare, ph: PH, level: L}", ""].join("\n");
    const monitors = [
      "monitors:",
      "  - {name: a, type: tank_range, reading: ph, tanks: [bd]}",
      "  - {name: b, type: tank_range, reading: ph, tanks: [bare]}",
      "  - {name: c, type: tank_range, reading: level}",
      "  - {name: d, type: tank_range, reading: ph, tanks: [bed], warning_margin: 0.45}",
      "",
    ].join("\n");
    expect(problems({ "house.yaml": house, "alerts.yaml": monitors })).toEqual([
      'alerts.yaml:2:5: monitor "a": no tank named "bd" (did you mean "bed"?)',
      'alerts.yaml:3:5: monitor "b": tank "bare" has no pH range to watch: give it a crop or a ph_range',
      'alerts.yaml:4:5: monitor "c": no tank has a level range to watch: give a tank with a level reading refill_below',
      'alerts.yaml:5:5: monitor "d": warning_margin and hysteresis (0.55 together) leave nothing of bed\'s range 5.5–6.5 to recover into; keep them under 0.5 together',
    ]);
    const wrong = "monitors:\n  - {name: e, type: tank_range, reading: ec, no_data_timeframe: 10m, message: '{{reading}} {{threshold}}'}\n";
    expect(problems({ "house.yaml": house, "alerts.yaml": wrong })).toEqual([
      "alerts.yaml:2:65: monitors[0].no_data_timeframe: has no effect unless notify_no_data is true",
      'alerts.yaml:2:79: monitors[0].message: template line 1: unknown variable "threshold"',
    ]);
  });
});
