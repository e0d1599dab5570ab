import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "vitest";
import { runCli } from "./cli.js";

/**
 * Replays recorded lines through `hearth replay` with a config and rules of the test's own, in a
 * temp directory it removes afterwards, and returns the JSON events the command printed.
 * `rules` is either a folder (the shipped rules/) or the text of one `house.yaml`.
 */
export async function replayEvents<E>(opts: { config: string; rules: { dir: string } | { yaml: string }; input: string }): Promise<E[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-replay-"));
  try {
    fs.writeFileSync(path.join(dir, "hearth.yaml"), opts.config);
    fs.writeFileSync(path.join(dir, "input.jsonl"), opts.input);
    let rules: string;
    if ("dir" in opts.rules) rules = opts.rules.dir;
    else {
      rules = path.join(dir, "rules");
      fs.mkdirSync(rules);
      fs.writeFileSync(path.join(rules, "house.yaml"), opts.rules.yaml);
    }
    const r = await runCli(["replay", "--config", path.join(dir, "hearth.yaml"), "--rules", rules, "--input", path.join(dir, "input.jsonl")]);
    expect(r.stderr).toContain("nothing was sent");
    expect(r.code).toBe(0);
    return r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as E);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
