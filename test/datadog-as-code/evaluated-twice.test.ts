import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { writeTestConfig } from "../helpers/hub.js";

/** `hearth check` on a monitor that the hub and Datadog both evaluate: one event, two emails. */

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const RULES = [
  "version: 1",
  "monitors:",
  "  - name: tank too acid",
  '    query: "avg(last_5m):tank.ph{*} < 5.5"',
  "    evaluate: both",
  "    recipients: [alex, sam]",
  "  - name: moved to datadog",
  '    query: "avg(last_5m):tank.ec{*} > 3"',
  "    evaluate: datadog",
  "    recipients: [alex]",
  "  - name: kept local",
  '    query: "avg(last_5m):tank.temp{*} > 30"',
  "    recipients: [alex]",
  "",
].join("\n");

async function check(recipients: Record<string, unknown>) {
  const t = writeTestConfig({ config: { notify: { recipients } }, rules: { "tank.yaml": RULES } });
  dir = t.dir;
  return runCli(["check", "--config", t.configFile, "--rules", t.rulesDir]);
}

describe("hearth check and evaluate: both", () => {
  it("warns, at the monitor's line, when the hub and Datadog would both notify the same recipient", async () => {
    const r = await check({ alex: { ntfy: "hearth-alex", datadog_handle: "alex@example.com" }, sam: { ntfy: "hearth-sam" } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("are valid");
    const warnings = r.stderr.trim().split("\n");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /tank\.yaml:3:5: warning: monitor "tank too acid" is evaluated both by the hub and by Datadog \(evaluate: both\), and both notify alex: each event reaches them twice/,
    );
    expect(warnings[0]).toContain("set evaluate: datadog");
  });

  it("says nothing when no recipient of a both-ways monitor is reached by both", async () => {
    // alex only through Datadog, sam only through the hub.
    const r = await check({ alex: { datadog_handle: "alex@example.com" }, sam: { ntfy: "hearth-sam" } });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
  });
});
