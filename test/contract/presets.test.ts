import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PRESETS } from "../../src/presets/index.js";
import { ROOT } from "../helpers/cli.js";
import { FIXTURES } from "../helpers/fixtures.js";

/**
 * The shape every preset keeps, as test/contract/integrations.test.ts does for integrations: its
 * own tests in test/presets/, a section in docs/rules-and-devices.md, and the recorded payloads
 * those tests replay, each listed with its source in its folder's README.
 */
const TESTS = path.join(ROOT, "test", "presets");
const names = Object.keys(PRESETS);

/** The presets a test file enables, from the `presets:` lines of the rules it starts a hub with. */
function enabledIn(text: string): Set<string> {
  const found = new Set<string>();
  for (const m of text.matchAll(/presets:\s*\[([^\]]*)\]/g)) for (const n of m[1]!.split(",")) found.add(n.trim());
  for (const m of text.matchAll(/presets:(?:\\n|\s)+(\w+):/g)) found.add(m[1]!);
  return found;
}

const testFiles = fs
  .readdirSync(TESTS)
  .filter((f) => f.endsWith(".test.ts"))
  .map((f) => ({ file: f, text: fs.readFileSync(path.join(TESTS, f), "utf8") }))
  .map((t) => ({ ...t, enabled: enabledIn(t.text) }))
  // A file that enables every preset at once (the explain-equivalence check) is no preset's own test.
  .filter((t) => t.enabled.size < names.length);

/** The `### ` headings under "## Device presets". */
function presetSections(): string[] {
  const page = fs.readFileSync(path.join(ROOT, "docs", "rules-and-devices.md"), "utf8");
  const start = page.indexOf("\n## Device presets\n");
  const end = page.indexOf("\n## ", start + 1);
  const body = page.slice(start, end === -1 ? undefined : end);
  return [...body.matchAll(/^### (.+)$/gm)].map((m) => m[1]!);
}

/** The fixture files listed with a source in `folder`'s README: file name → source column. */
function fixtureSources(folder: string): Map<string, string> {
  const readme = path.join(FIXTURES, folder, "README.md");
  const rows = new Map<string, string>();
  if (!fs.existsSync(readme)) return rows;
  for (const line of fs.readFileSync(readme, "utf8").split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length >= 5 && cells[1] && cells[1] !== "file" && !/^-+$/.test(cells[1])) rows.set(cells[1], cells[3]!);
  }
  return rows;
}

const fixturesRead = (text: string) => [...text.matchAll(/(?:readFixture|readMessages|fixturePath)\("([^"]+)"\)/g)].map((m) => m[1]!);

describe("presets", () => {
  it("are each registered under their own name", () => {
    for (const [key, preset] of Object.entries(PRESETS)) expect(preset.name, key).toBe(key);
  });

  describe.each(names)("%s", (name) => {
    const own = testFiles.filter((t) => t.enabled.has(name));

    it("has tests of its own in test/presets/", () => {
      expect(own.map((t) => t.file)).not.toEqual([]);
    });

    it("has a section named by its title in docs/rules-and-devices.md, under Device presets", () => {
      expect(presetSections()).toContain(PRESETS[name]!.title);
    });

    it("is tested on recorded payloads, each listed with its source in its folder's README", () => {
      const fixtures = [...new Set(own.flatMap((t) => fixturesRead(t.text)))];
      expect(fixtures).not.toEqual([]);
      for (const rel of fixtures) {
        expect(fs.existsSync(path.join(FIXTURES, rel)), rel).toBe(true);
        const source = fixtureSources(path.dirname(rel)).get(path.basename(rel));
        expect(source, `${rel} in ${path.dirname(rel)}/README.md`).toMatch(/\S/);
      }
    });
  });
});
