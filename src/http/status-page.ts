import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";

/**
 * The status page at `/`: static files from web/ (HTML, CSS and JavaScript modules, no build
 * step) and uPlot from node_modules, all served by Hearth, so the page needs nothing from the
 * internet. The files hold no data: the page asks the JSON API. From another machine, open it as
 * http://host:8686/#token=<http.token>; the token stays in the browser (a URL fragment is never
 * sent) and goes out only as a bearer header.
 */
function webDir(): string {
  // From src/http (tests) or dist/src/http (the build): web/ sits at the package's root.
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "web", "index.html"))) return path.join(dir, "web");
    if (path.dirname(dir) === dir) throw new Error("web/index.html not found beside Hearth's package");
  }
}

const require = createRequire(import.meta.url);
const TYPES: Record<string, string> = { ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".html": "text/html; charset=utf-8" };

/** Every file the page may load, by URL: a fixed list, so no path from the wire reaches the disk. */
function assets(): Map<string, string> {
  const web = webDir();
  const files = new Map<string, string>();
  for (const f of fs.readdirSync(web)) if (TYPES[path.extname(f)] && f !== "index.html") files.set(`/ui/${f}`, path.join(web, f));
  files.set("/ui/vendor/uPlot.esm.js", require.resolve("uplot/dist/uPlot.esm.js"));
  files.set("/ui/vendor/uPlot.min.css", require.resolve("uplot/dist/uPlot.min.css"));
  return files;
}

const ASSETS = assets();
const INDEX = path.join(webDir(), "index.html");

/** Paths anyone may fetch: the page and its files hold no data. */
export const isPublicPath = (url: string): boolean => url === "/" || ASSETS.has(url);

export function registerStatusPage(app: FastifyInstance): void {
  app.get("/", async (_req, reply) => reply.type(TYPES[".html"]!).header("cache-control", "no-cache").send(fs.readFileSync(INDEX)));
  for (const [url, file] of ASSETS) {
    app.get(url, async (_req, reply) => reply.type(TYPES[path.extname(file)]!).header("cache-control", "no-cache").send(fs.readFileSync(file)));
  }
}
