import { describe, expect, it } from "vitest";
import { monitorsToRun } from "../../src/alerts/builtin-monitors.js";
import { alertSettingsOf } from "../../src/assembly/sections.js";
import { loadTestConfig, writeTestConfig } from "../helpers/hub.js";

describe("evaluate: local | datadog | both", () => {
  it("leaves a monitor Datadog evaluates out of the hub, and keeps local and both", () => {
    const monitor = (name: string, evaluate: string) => ({ name, query: "avg(last_5m):my_metric{*} > 800", evaluate });
    const { configFile, rulesDir } = writeTestConfig({
      rules: { "m.yaml": { version: 1, monitors: [monitor("here", "local"), monitor("there", "datadog"), monitor("twice", "both")] } },
    });
    const loaded = loadTestConfig(configFile, rulesDir);
    expect(monitorsToRun(alertSettingsOf(loaded), false).map((m) => m.name)).toEqual(["here", "twice"]);
    expect(loaded.rules.monitors.map((m) => (m.type === "metric" ? m.evaluate : undefined))).toEqual(["local", "datadog", "both"]);
  });

  it("refuses `for:` on a monitor Datadog evaluates, at its line", () => {
    const { configFile, rulesDir } = writeTestConfig({
      rules: { "m.yaml": "monitors:\n  - name: x\n    query: avg(last_5m):my_metric{*} > 800\n    evaluate: datadog\n    for: 5m\n" },
    });
    expect(() => loadTestConfig(configFile, rulesDir)).toThrow(/m\.yaml:5:10: .*Datadog has no `for`/);
  });
});
