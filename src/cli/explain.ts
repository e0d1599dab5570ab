import { formatSource } from "../config/issues.js";
import type { Loaded } from "../config/load.js";
import { Ingest } from "../pipeline/ingest.js";
import { SeriesNamer } from "../pipeline/normalize.js";
import type { RuleOrigin } from "../pipeline/rule.js";
import { buildRuleSet } from "../pipeline/ruleset.js";

export interface ExplainedSample {
  metric: string;
  value: number;
  unit: string | undefined;
  kind: string;
  tags: string[];
}

export interface Explanation {
  topic: string;
  host: string;
  matches: {
    rule: string;
    filter: string;
    captures: Record<string, string>;
    samples: ExplainedSample[];
    skipped: { metric: string; why: string; reason?: string }[];
  }[];
  nearMisses: string[];
}

const ruleLabel = (o: RuleOrigin): string =>
  o.kind === "preset" ? `preset ${o.preset}` : `mapping${o.name ? ` "${o.name}"` : ""}${o.source ? ` at ${formatSource(o.source)}` : ""}`;

/**
 * What the live pipeline would make of one message: the same compiled rules, the same naming
 * and global tags, so the answer here is the answer the hub gives.
 */
export function explain(loaded: Loaded, topic: string, payload: Buffer, now = Date.now()): Explanation {
  const ingest = new Ingest(buildRuleSet(loaded.rules), loaded.config.pipeline.max_payload_bytes);
  const namer = new SeriesNamer(loaded.config.tags);
  const traces = ingest.explain(topic, payload, now);
  return {
    topic,
    host: loaded.config.host ?? "",
    matches: traces.map((t) => ({
      rule: ruleLabel(t.rule.origin),
      filter: t.rule.filter,
      captures: t.captures,
      samples: t.output.drafts.map((d) => {
        const s = namer.name(d.metric, d.tags);
        return { metric: s.metric, value: d.value, unit: d.unit, kind: d.kind, tags: s.tags };
      }),
      skipped: t.output.skips,
    })),
    nearMisses: traces.length ? [] : ingest.nearMisses(topic),
  };
}

export function formatExplanation(e: Explanation): string {
  const lines: string[] = [];
  if (e.matches.length === 0) {
    lines.push(`No rule matches topic "${e.topic}".`);
    if (e.nearMisses.length) lines.push(`Closest topic filters: ${e.nearMisses.join(", ")}`);
    lines.push("Enable a preset (presets: [tasmota]) or add a mapping for this topic in rules/.");
    return lines.join("\n");
  }
  lines.push(`Topic "${e.topic}" matches ${e.matches.length} rule${e.matches.length === 1 ? "" : "s"} (host ${e.host}):`);
  for (const m of e.matches) {
    const caps = Object.entries(m.captures).map(([k, v]) => `${k}=${v}`).join(" ");
    lines.push("", `  ${m.rule}: ${m.filter}${caps ? `  (${caps})` : ""}`);
    if (m.samples.length === 0 && m.skipped.length === 0) lines.push("    no samples");
    const width = Math.max(0, ...m.samples.map((s) => s.metric.length));
    for (const s of m.samples) {
      const value = `${s.value}${s.unit ? ` ${s.unit}` : ""}`;
      lines.push(`    ${s.metric.padEnd(width)}  ${value.padEnd(14)} ${s.kind.padEnd(9)} ${s.tags.join(" ")}`);
    }
    for (const k of m.skipped) lines.push(`    skipped ${k.metric}: ${k.why}${k.reason ? ` [${k.reason}]` : ""}`);
  }
  return lines.join("\n");
}
