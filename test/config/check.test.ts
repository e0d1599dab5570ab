import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

const BROKEN = "test/fixtures/config/broken";

describe("hearth check on broken files", () => {
  it("names every mistake in every file with its line and column, and exits 1", async () => {
    const r = await runCli(["check", "--config", `${BROKEN}/hearth.yaml`, "--rules", `${BROKEN}/rules`], { env: { HEARTH_TEST_UNSET_KEY: "" } });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines.slice(0, -1)).toEqual([
      `${BROKEN}/hearth.yaml:4:18: tags[1]: expected a "key:value" tag, got "no tag"`,
      `${BROKEN}/hearth.yaml:7:3: mqtt: unknown key "prot" (did you mean "port"?)`,
      `${BROKEN}/hearth.yaml:8:20: mqtt.allow_anonymous: expected true or false, got "yes please"`,
      `${BROKEN}/hearth.yaml:10:9: http.port: expected a number, got "eighty"`,
      `${BROKEN}/hearth.yaml:12:19: pipeline.flush_interval: expected a duration such as "30s", "5m", "2h" or "1d"`,
      `${BROKEN}/hearth.yaml:14:12: environment variable HEARTH_TEST_UNSET_KEY is not set (write \${HEARTH_TEST_UNSET_KEY:-default} for a fallback)`,
      `${BROKEN}/rules/10-house.yaml:3:20: presets[1]: expected one of "tasmota", "shelly_gen1", "shelly_gen2", "zigbee2mqtt", "esphome", "espresense", "ha_discovery", got "shelly"`,
      `${BROKEN}/rules/10-house.yaml:5:12: mappings[0].topic: "SEN#SOR": '+' and '#' must fill a whole level, as in "tele/+device/SENSOR"`,
      `${BROKEN}/rules/10-house.yaml:7:11: mappings[0].kind: expected one of "gauge", "count", "rate", "monotonic", got "gauge!" (did you mean "gauge"?)`,
      `${BROKEN}/rules/10-house.yaml:8:5: mappings[1]: a mapping needs \`metric\` (one sample) or \`samples\` (several)`,
      `${BROKEN}/rules/10-house.yaml:9:5: mappings[1]: unknown key "metrc" (did you mean "metric"?)`,
      `${BROKEN}/rules/10-house.yaml:12:12: mappings[2].tags[0]: {persn} is not captured by the topic ("presence/+person") or the path`,
      `${BROKEN}/rules/20-broken.yaml:5:1: YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`,
      `${BROKEN}/rules/30-calibrate.yaml:7:20: mappings[0].samples[0].calibrate: the two calibration points need different raw readings`,
      `${BROKEN}/rules/30-calibrate.yaml:8:16: mappings[0].samples[0].tags[0]: {probe} is not captured by the topic ("tele/tank1/SENSOR") or the path`,
    ]);
    expect(lines.at(-1)).toMatch(/^hearth: 15 problems in the configuration and rules \(HEARTH_E_CONFIG_INVALID: /);
  });

  it("refuses to start on the same files, with the same report", async () => {
    const check = await runCli(["check", "--config", `${BROKEN}/hearth.yaml`, "--rules", `${BROKEN}/rules`]);
    const start = await runCli(["start", "--config", `${BROKEN}/hearth.yaml`, "--rules", `${BROKEN}/rules`]);
    expect(start.code).toBe(1);
    expect(start.stderr).toBe(check.stderr);
  });

  it("says which file is missing", async () => {
    const r = await runCli(["check", "--config", "does/not/exist.yaml", "--rules", "rules"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("does/not/exist.yaml:1:1: file not found");
  });

  it("passes on the shipped configuration, rules and demo", async () => {
    for (const config of ["config/hearth.yaml", "config/demo.yaml"]) {
      const r = await runCli(["check", "--config", config]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("are valid");
    }
  });
});
