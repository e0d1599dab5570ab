import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { watchConfig } from "../../src/config/watch.js";
import { sleep, waitFor } from "../helpers/wait.js";

let stop: (() => void) | undefined;
afterEach(() => {
  stop?.();
  stop = undefined;
});

function house() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-watch-"));
  fs.mkdirSync(path.join(dir, "config"));
  fs.mkdirSync(path.join(dir, "rules"));
  const configFile = path.join(dir, "config", "hearth.yaml");
  fs.writeFileSync(configFile, "version: 1\n");
  return { configFile, rulesDir: path.join(dir, "rules") };
}

describe("watching the configuration and rules", () => {
  it("reports one save once: the safety-net poll does not report it again", async () => {
    const { configFile, rulesDir } = house();
    const reports: string[][] = [];
    stop = watchConfig(configFile, rulesDir, (what) => reports.push(what), { debounceMs: 50, pollMs: 100 });

    // Saved the way editors do: a new file renamed over the old name.
    fs.writeFileSync(path.join(rulesDir, ".lab.yaml.tmp"), "version: 1\n");
    fs.renameSync(path.join(rulesDir, ".lab.yaml.tmp"), path.join(rulesDir, "lab.yaml"));
    await waitFor(() => reports.length > 0, "the save to be reported");
    await sleep(600); // six poll intervals, in which nothing else is saved
    expect(reports).toEqual([[path.join(rulesDir, "lab.yaml")]]);
  });
});
