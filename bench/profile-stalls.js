// Finds the event-loop stalls (after start-up) in a V8 .cpuprofile: stretches of at least --min ms (default 20)
// with no idle sample, and what ran during them (by frame, self + callees, across all stalls).
//   node bench/profile-stalls.js bench/profiles/CPU.….cpuprofile [minMs]
import fs from "node:fs";

const [file, minMs = "20"] = process.argv.slice(2);
const profile = JSON.parse(fs.readFileSync(file, "utf8"));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const name = (n) => {
  const { functionName, url, lineNumber } = n.callFrame;
  return `${functionName || "(anonymous)"} ${url ? `${url.replace(/^.*\/(dist\/src\/|node_modules\/)/, "")}:${lineNumber + 1}` : ""}`.trim();
};
const idle = (id) => ["(idle)", "(program)"].includes(byId.get(id).callFrame.functionName);

// Start-up (loading modules) is not a stall of the running hub: begin at the first message handled.
const handles = (id) => {
  for (; id !== undefined; id = parent.get(id)) if (byId.get(id).callFrame.functionName === "handleMessage") return true;
  return false;
};
let first = profile.samples.findIndex(handles);
if (first < 0) first = 0;

const stalls = [];
let start = -1;
let dur = 0;
for (let i = first; i < profile.samples.length; i++) {
  const d = profile.timeDeltas[i + 1] ?? 0;
  if (idle(profile.samples[i])) {
    if (start >= 0 && dur >= Number(minMs) * 1000) stalls.push({ start, end: i, dur });
    start = -1;
    dur = 0;
  } else {
    if (start < 0) start = i;
    dur += d;
  }
}
console.log(`${stalls.length} stretches over ${minMs} ms without an idle sample: ${stalls.map((s) => (s.dur / 1000).toFixed(0)).join(", ")} ms\n`);
const incl = new Map();
let total = 0;
for (const s of stalls)
  for (let i = s.start; i < s.end; i++) {
    const d = profile.timeDeltas[i + 1] ?? 0;
    total += d;
    const seen = new Set();
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const k = name(byId.get(id));
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + d);
    }
  }
console.log("| % of stall time | frame (self + callees) |\n| ---: | --- |");
for (const [k, us] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`| ${((100 * us) / total).toFixed(1)} | \`${k}\` |`);
