// Summarises a V8 .cpuprofile (node --cpu-prof): the functions with the most self time, and the
// share of time by package (Hearth's own code, aedes, prom-client, …).
//   node bench/profile-top.js bench/profiles/CPU.….cpuprofile [N]
import fs from "node:fs";

const [file, n = "15"] = process.argv.slice(2);
const profile = JSON.parse(fs.readFileSync(file, "utf8"));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map();
const dt = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);

const where = (url) => {
  if (!url) return "(native)";
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.includes("/dist/src/")) return "hearth";
  if (url.startsWith("node:")) return "node";
  return url.replace(/^.*\//, "");
};

const fns = new Map();
const pkgs = new Map();
for (const [id, us] of self) {
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  const key = `${functionName || "(anonymous)"} ${url ? `${url.replace(/^.*\/(dist\/src\/|node_modules\/)/, "")}:${lineNumber + 1}` : ""}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
  if (functionName === "(idle)") continue;
  const p = where(url);
  pkgs.set(p, (pkgs.get(p) ?? 0) + us);
}
// Shares of busy time: a receiver that waits its turn in the bench is idle most of the run.
const idle = [...self].filter(([id]) => byId.get(id).callFrame.functionName === "(idle)").reduce((a, [, us]) => a + us, 0);
const busy = total - idle;
const pct = (us) => ((100 * us) / busy).toFixed(1).padStart(5);
console.log(`Self time, ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy; shares are of busy time\n`);
console.log("| self % | function |\n| ---: | --- |");
for (const [k, us] of [...fns]
  .filter(([k]) => !k.startsWith("(idle)"))
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(n)))
  console.log(`| ${pct(us)} | \`${k.trim()}\` |`);
// Inclusive time of Hearth's own functions (a function that calls itself is counted once per frame).
const inclusive = new Map();
const totalOf = (node) => {
  let t = self.get(node.id) ?? 0;
  for (const c of node.children ?? []) t += totalOf(byId.get(c));
  const { functionName, url, lineNumber } = node.callFrame;
  if (url.includes("/dist/src/")) {
    const key = `${functionName || "(anonymous)"} ${url.replace(/^.*\/dist\/src\//, "")}:${lineNumber + 1}`;
    inclusive.set(key, (inclusive.get(key) ?? 0) + t);
  }
  return t;
};
totalOf(profile.nodes[0]);
console.log("\n| total % | Hearth function (self + callees) |\n| ---: | --- |");
for (const [k, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) console.log(`| ${pct(us)} | \`${k}\` |`);
console.log("\n| self % | where |\n| ---: | --- |");
for (const [k, us] of [...pkgs].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`| ${pct(us)} | ${k} |`);
