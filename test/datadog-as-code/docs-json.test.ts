import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { desiredObjects } from "../../src/datadog-as-code/desired.js";
import { ROOT } from "../helpers/cli.js";
import { loadTestConfig, writeTestConfig } from "../helpers/hub.js";

/**
 * The JSON the docs show is what the translator makes of the YAML they show next to it: each
 * ```yaml block of a section is a rules file, each ```json block must be one generated body.
 */

/** The text from a `## heading` to the next one. */
function section(file: string, heading: string): string {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  const start = text.indexOf(`\n## ${heading}\n`);
  expect(start, `${file} has a "## ${heading}" section`).toBeGreaterThanOrEqual(0);
  const end = text.indexOf("\n## ", start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

const blocks = (text: string, lang: string): string[] => [...text.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!);

function generated(yamlBlocks: string[]) {
  const { dir, configFile, rulesDir } = writeTestConfig({
    config: { notify: { recipients: { household: { datadog_handle: "household@example.com" } } } },
    rules: Object.fromEntries(yamlBlocks.map((y, i) => [`shown-${i}.yaml`, y])),
  });
  try {
    const { objects, problems } = desiredObjects(loadTestConfig(configFile, rulesDir));
    expect(problems).toEqual([]);
    return objects.map((o) => o.body);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe.each([
  ["docs/datadog-as-code.md", "The story, as YAML and as what Datadog receives", 3],
  ["README.md", "Datadog", 1],
])("%s, section %s", (file, heading, jsonCount) => {
  it("shows JSON that the translator generates from the YAML beside it", () => {
    const text = section(file, heading);
    const json = blocks(text, "json").map((b) => JSON.parse(b) as unknown);
    expect(json).toHaveLength(jsonCount);
    const bodies = generated(blocks(text, "yaml"));
    for (const shown of json) expect(bodies).toContainEqual(shown);
  });
});

it("the story's YAML in the docs is the shipped rules' (each dashboard, monitor and calendar shown is one of rules/)", () => {
  type Section = Record<string, unknown[] | undefined>;
  const shipped = ["dashboards.yaml", "story.yaml"].map((f) => parseYaml(fs.readFileSync(path.join(ROOT, "rules", f), "utf8")) as Section);
  const entries = (key: string) => shipped.flatMap((file) => file[key] ?? []);
  for (const shown of blocks(section("docs/datadog-as-code.md", "The story, as YAML and as what Datadog receives"), "yaml")) {
    const doc = parseYaml(shown) as Section;
    for (const key of ["dashboards", "monitors", "calendars"]) for (const entry of doc[key] ?? []) expect(entries(key)).toContainEqual(entry);
  }
});
