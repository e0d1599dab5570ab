import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Hearth's own package.json, found from this file whether it runs from src/ or dist/src/. */
function readPackage(): { version: string } {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, "package.json");
    if (fs.existsSync(candidate)) {
      const pkg = JSON.parse(fs.readFileSync(candidate, "utf8")) as { name?: string; version: string };
      if (pkg.name === "hearth") return pkg;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return { version: "0.0.0" };
    dir = parent;
  }
}

export const VERSION = readPackage().version;
