import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/*
 * The folders of src/ form layers that point one way (docs/design.md, "Source layout"): kit and
 * config-kit at the bottom, the features above them, assembly and config composing the features,
 * the CLI and hub.ts at the top. A folder that imports another which imports it back, directly
 * or round a longer loop, is a cycle this test names.
 */
const SRC = path.resolve(import.meta.dirname, "../../src");
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;

/** A file's folder under src/; a file directly in src/ (hub.ts, the composition root) is a layer of its own. */
const folderOf = (file: string): string => path.relative(SRC, file).split(path.sep)[0]!;

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** folder → folder → one importing file, as evidence. */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sources(SRC)) {
    const from = folderOf(file);
    for (const m of fs.readFileSync(file, "utf8").matchAll(IMPORT)) {
      const target = path.resolve(path.dirname(file), m[1] ?? m[2]!);
      if (!target.startsWith(SRC + path.sep)) continue;
      const to = folderOf(target);
      if (to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string>();
      if (!edges.has(to)) edges.set(to, path.relative(SRC, file));
      graph.set(from, edges);
    }
  }
  return graph;
}

/** Every loop of folders, each as the path that closes it. */
function cycles(graph: Map<string, Map<string, string>>): string[] {
  const found: string[] = [];
  const state = new Map<string, "open" | "done">();
  const walk = (node: string, trail: string[]): void => {
    state.set(node, "open");
    for (const [next, via] of graph.get(node) ?? []) {
      if (state.get(next) === "open") {
        const loop = trail.slice(trail.indexOf(next));
        found.push(`${[...loop, node, next].filter((n, i, a) => i === 0 || n !== a[i - 1]).join(" → ")} (${via})`);
      } else if (!state.has(next)) walk(next, [...trail, node]);
    }
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) walk(node, []);
  return found;
}

describe("source layers", () => {
  it("no folder of src/ imports one that imports it back, directly or round a loop", () => {
    expect(cycles(folderGraph())).toEqual([]);
  });

  it("the kits at the bottom import no feature", () => {
    const graph = folderGraph();
    for (const kit of ["kit", "config-kit"]) {
      const above = [...(graph.get(kit)?.keys() ?? [])].filter((to) => to !== "kit");
      expect(above, `${kit}/ imports ${above.join(", ")}`).toEqual([]);
    }
  });
});
