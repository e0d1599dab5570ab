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
        "b.yaml": [
          "appliances:",
          "  stove: other_plug",
          "  iron: {device: bathroom_plug, threshold: 20, hysteresis: 25}",
          "",
        ].join("\n"),
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
      'c.yaml:2:3: people: "Alex": use lower-case letters, digits, \'_\' and \'-\', starting with a letter',
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
