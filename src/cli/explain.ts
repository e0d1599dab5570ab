import type { Clock } from "../kit/clock.js";
import { formatSource } from "../config-kit/issues.js";
import type { Loaded } from "../config/load.js";
import { houseStages } from "../assembly/assemble.js";
import { Ingest } from "../pipeline/ingest.js";
import type { UserProperties } from "../pipeline/message.js";
import type { CompiledRule } from "../pipeline/rule.js";
import { SeriesNamer } from "../pipeline/normalize.js";
import { pathText, type RuleOrigin } from "../pipeline/rule.js";
import { buildRuleSet } from "../assembly/ruleset.js";
import type { Sample } from "../pipeline/sample.js";
import { SampleChain } from "../pipeline/stage.js";
import { PresetRuntime } from "../presets/runtime.js";
import { formatNumber, readableNumber } from "../kit/readable-number.js";

interface ExplainedSample {
  metric: string;
  value: number;
  unit: string | undefined;
  kind: string;
  tags: string[];
}

interface Explanation {
  topic: string;
  host: string;
  matches: {
    rule: string;
    filter: string;
    captures: Record<string, string>;
    samples: ExplainedSample[];
    skipped: { metric: string; why: string; reason?: string }[];
    notes: string[];
  }[];
  nearMisses: string[];
}

const at = (source: { file: string; line: number; col: number } | undefined) => (source ? ` at ${formatSource(source)}` : "");

function ruleLabel(o: RuleOrigin): string {
  if (o.kind === "preset") return `preset ${o.preset}${o.discoveredAt ? ` (discovered on ${o.discoveredAt})` : ""}`;
  if (o.kind === "house") return `${o.section === "people" ? "person" : "tank"} "${o.name}"${at(o.source)}`;
  return `mapping${o.name ? ` "${o.name}"` : ""}${at(o.source)}`;
}

/**
 * What the live pipeline makes of messages: the same compiled rules, the same naming, global
 * tags and stages (appliance tags, power.on, presence), so the answer here is the answer the hub
 * gives. One explainer remembers what earlier messages taught it, as the hub does (a Shelly's
 * last status, a discovered device). Its timers never fire: an explanation shows what a message
 * does at once, not what a minimum duration or a staleness limit does later.
 */
export class Explainer {
  private readonly ingest: Ingest;
  private readonly chain: SampleChain;
  private readonly runtime = new PresetRuntime();
  private now = 0;

  constructor(private readonly loaded: Loaded) {
    this.ingest = new Ingest(buildRuleSet(loaded.rules, this.runtime), loaded.config.pipeline.max_payload_bytes);
    const frozen: Clock = { now: () => this.now, setTimeout: () => () => undefined, setInterval: () => () => undefined };
    const stages = houseStages(loaded.rules, frozen, () => undefined);
    this.chain = new SampleChain(new SeriesNamer(loaded.config.tags), stages.all);
  }

  /** Notes on what the rules a discovery message on `topic` announced will read, where configured rules read the same topics. */
  private announcedOn(topic: string): string[] {
    const rules = this.runtime.discovered.rules().filter((r) => r.origin.kind === "preset" && r.origin.discoveredAt === topic);
    return rules.flatMap((r) => ownership(this.ingest, r) ?? []);
  }

  /** `userProperties`: the MQTT 5 user properties the message came with. */
  explain(topic: string, payload: Buffer, now = Date.now(), userProperties?: UserProperties): Explanation {
    this.now = now;
    const traces = this.ingest.explain(topic, payload, now, userProperties);
    const announced = this.announcedOn(topic);
    return {
      topic,
      host: this.loaded.config.host ?? "",
      matches: traces.map((t) => {
        const samples: ExplainedSample[] = [];
        for (const d of t.output.drafts) {
          const sample: Sample = { metric: d.metric, value: d.value, tags: d.tags, time: d.time, kind: d.kind, ...(d.unit ? { unit: d.unit } : {}) };
          this.chain.run(sample, (s) => samples.push({ metric: s.metric, value: s.value, unit: s.unit, kind: s.kind, tags: s.tags }));
        }
        const notes = t.coveredBy
          ? [`not read here: ${pathText(t.rule.reads ?? [])} is read by ${ruleLabel(t.coveredBy.origin)}, whose name wins`]
          : t.output.notes.length > 0 && t.rule.origin.kind === "preset" && !t.rule.origin.discoveredAt
            ? [...t.output.notes, ...announced]
            : t.output.notes;
        return { rule: ruleLabel(t.rule.origin), filter: t.rule.filter, captures: t.captures, samples, skipped: t.output.skips, notes };
      }),
      nearMisses: traces.length ? [] : this.ingest.nearMisses(topic),
    };
  }
}

/**
 * What the live hub will do with the readings a discovery message just announced on topics a
 * configured rule reads: the configured rule's name wins where it reads the same value; the
 * rest comes through discovery beside it.
 */
function ownership(ingest: Ingest, rule: CompiledRule): string | undefined {
  const path = rule.reads ?? [];
  const { configured, coveredBy } = ingest.ownerOf(rule.filter, path);
  if (!configured) return undefined;
  if (coveredBy) return `  ${rule.filter} ${pathText(path)}: read by ${ruleLabel(coveredBy.origin)} under its own name, not through discovery`;
  return `  ${rule.filter} ${pathText(path)}: read through discovery, beside ${ruleLabel(configured.origin)}`;
}

/** One message, explained on its own. */
export const explain = (loaded: Loaded, topic: string, payload: Buffer, now = Date.now(), userProperties?: UserProperties): Explanation =>
  new Explainer(loaded).explain(topic, payload, now, userProperties);

/** The explanation as `--json` prints it: values at the precision they carry, like the text form. */
export const readableExplanation = (e: Explanation): Explanation => ({
  ...e,
  matches: e.matches.map((m) => ({ ...m, samples: m.samples.map((s) => ({ ...s, value: readableNumber(s.value) })) })),
});

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
    const caps = Object.entries(m.captures)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    lines.push("", `  ${m.rule}: ${m.filter}${caps ? `  (${caps})` : ""}`);
    for (const n of m.notes) lines.push(`    ${n}`);
    if (m.samples.length === 0 && m.skipped.length === 0 && m.notes.length === 0) lines.push("    no samples");
    const width = Math.max(0, ...m.samples.map((s) => s.metric.length));
    for (const s of m.samples) {
      const value = `${formatNumber(s.value)}${s.unit ? ` ${s.unit}` : ""}`;
      lines.push(`    ${s.metric.padEnd(width)}  ${value.padEnd(14)} ${s.kind.padEnd(9)} ${s.tags.join(" ")}`);
    }
    for (const k of m.skipped) lines.push(`    skipped ${k.metric}: ${k.why}${k.reason ? ` [${k.reason}]` : ""}`);
  }
  return lines.join("\n");
}
