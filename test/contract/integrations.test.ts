import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { INTEGRATIONS } from "../../integrations/registry.js";
import { loadConfigFile } from "../../src/config/load.js";
import { formatIssue } from "../../src/config-kit/issues.js";

/**
 * The shape every integration keeps (Telegraf's all_test.go, Home Assistant's hassfest): one
 * folder whose name is the manifest name, the registry key and the `type:` in config, with its
 * README sections, a commented sample.yaml that validates, and its own tests.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DIR = path.join(ROOT, "integrations");
const folders = fs
  .readdirSync(DIR, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

const README_SECTIONS = ["## What it reads", "## Permissions", "## Configuration", "## Metrics and tags", "## Troubleshooting"];
const MODELINE = "# yaml-language-server: $schema=../../config/schema/hearth.schema.json";

describe("integration folders", () => {
  it("match the registry one to one", () => {
    expect(folders).toEqual(Object.keys(INTEGRATIONS).sort());
  });

  describe.each(folders)("%s", (name) => {
    const file = (f: string) => path.join(DIR, name, f);

    it("has a manifest named after its folder, and its files", () => {
      expect(INTEGRATIONS[name as keyof typeof INTEGRATIONS].manifest.name).toBe(name);
      for (const f of ["index.ts", "schema.ts", "README.md", "sample.yaml", `${name}.test.ts`]) expect(fs.existsSync(file(f)), f).toBe(true);
    });

    it("only emits: imports nothing of MQTT, sinks, rules, alerts or notifiers", () => {
      const sources = fs.readdirSync(path.join(DIR, name)).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
      for (const f of sources) {
        const imports = [...fs.readFileSync(file(f), "utf8").matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]!);
        expect(
          imports.filter((i) => /\/src\/(mqtt|sinks|rules|alerts|notify|house)\/|^mqtt$|^aedes/.test(i)),
          f,
        ).toEqual([]);
      }
    });

    it("has a README with every section, linked from the project README", () => {
      const readme = fs.readFileSync(file("README.md"), "utf8");
      const at = README_SECTIONS.map((s) => readme.indexOf(`\n${s}\n`));
      expect(
        at.every((i) => i > 0),
        `sections ${README_SECTIONS.join(", ")}`,
      ).toBe(true);
      expect([...at].sort((a, b) => a - b)).toEqual(at);
      expect(fs.readFileSync(path.join(ROOT, "README.md"), "utf8")).toContain(`(integrations/${name}/README.md)`);
    });

    it("has a commented sample.yaml that validates as config/hearth.yaml, with instances of its own type", () => {
      const text = fs.readFileSync(file("sample.yaml"), "utf8");
      expect(text.split("\n")[0]).toBe(MODELINE);
      // The sample reads secrets from the environment, as a homeowner's file would.
      const env = Object.fromEntries([...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => [m[1]!, "from-the-environment"]));
      const { config, issues } = loadConfigFile(file("sample.yaml"), env);
      expect(issues.map(formatIssue)).toEqual([]);
      const instances = Object.values(config!.integrations);
      expect(instances.length).toBeGreaterThan(0);
      expect(instances.every((i) => i.type === name)).toBe(true);
    });
  });
});
