import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The first instance of an integration's shipped sample.yaml, as written (`${…}` not yet
 * resolved), so a test runs what a homeowner would copy, pointed at a local server.
 */
export function sampleInstance(integration: string): { name: string; instance: Record<string, unknown> } {
  const doc = parse(fs.readFileSync(path.join(ROOT, "integrations", integration, "sample.yaml"), "utf8")) as {
    integrations: Record<string, Record<string, unknown>>;
  };
  const [name, instance] = Object.entries(doc.integrations)[0]!;
  return { name, instance };
}
