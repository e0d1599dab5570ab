import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { jsonSchemas } from "../../src/config/json-schema.js";
import { ROOT } from "../helpers/cli.js";

/** Every YAML file a homeowner edits, with the schema its modeline should point at. */
function editableYaml(): string[] {
  const inDir = (dir: string, pick: (name: string) => boolean) =>
    fs.existsSync(path.join(ROOT, dir))
      ? fs
          .readdirSync(path.join(ROOT, dir))
          .filter(pick)
          .map((f) => path.join(dir, f))
      : [];
  const integrationSamples = inDir("integrations", (d) => fs.existsSync(path.join(ROOT, "integrations", d, "sample.yaml"))).map((d) =>
    path.join(d, "sample.yaml"),
  );
  return [...inDir("config", (f) => /\.ya?ml$/.test(f)), ...inDir("rules", (f) => /\.ya?ml$/.test(f)), ...integrationSamples];
}

describe("JSON Schemas for editors", () => {
  it("are up to date with the zod schemas (run `npx hearth schema` after changing one)", () => {
    for (const [name, text] of Object.entries(jsonSchemas())) {
      const committed = fs.readFileSync(path.join(ROOT, "config/schema", name), "utf8");
      expect(committed, `config/schema/${name} is stale`).toBe(text);
    }
  });

  it("are named by a yaml-language-server modeline in every YAML file the homeowner edits", () => {
    const files = editableYaml();
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const file of files) {
      const first = fs.readFileSync(path.join(ROOT, file), "utf8").split("\n")[0]!;
      const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
      expect(m, `${file} must start with a yaml-language-server modeline`).not.toBeNull();
      const target = path.resolve(path.dirname(path.join(ROOT, file)), m![1]!);
      expect(fs.existsSync(target), `${file} points at ${m![1]}, which does not exist`).toBe(true);
      const expected = file.startsWith("rules/") ? "rules.schema.json" : "hearth.schema.json";
      expect(path.basename(target), file).toBe(expected);
    }
  });
});
