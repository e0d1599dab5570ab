import { describe, expect, it } from "vitest";
import { DiscoveredRules } from "../../src/pipeline/discovered.js";
import { Ingest } from "../../src/pipeline/ingest.js";
import type { CompiledRule, RuleOutput } from "../../src/pipeline/rule.js";
import type { RuleSet } from "../../src/pipeline/rule-set.js";
import { TopicTrie } from "../../src/pipeline/topic-trie.js";

/** A rule that emits one reading named `metric`, tagged with the topic's captures. */
const rule = (filter: string, metric: string): CompiledRule => ({
  filter,
  origin: { kind: "mapping", source: undefined, name: metric },
  extract(msg, captures, out) {
    out.drafts.push({
      metric,
      value: 1,
      tags: Object.entries(captures).map(([k, v]) => `${k}:${v}`),
      kind: "gauge",
      unit: undefined,
      time: msg.receivedAt,
      state: undefined,
    });
  },
});

function ruleSet(rules: CompiledRule[], discovered = new DiscoveredRules()): RuleSet {
  const trie = new TopicTrie<CompiledRule>();
  for (const r of rules) trie.add(r.filter, r);
  return { trie, rules, discovered };
}

const run = (ingest: Ingest, topic: string) => {
  const out: RuleOutput = { drafts: [], skips: [], notes: [] };
  const matched = ingest.process(topic, Buffer.from("1"), 0, out);
  return { matched, drafts: out.drafts.map((d) => `${d.metric} ${d.tags.join(",")}`) };
};

describe("ingest: matches remembered per topic", () => {
  it("gives the same answer for a topic seen before, and a new rule set's answer after a reload", () => {
    const ingest = new Ingest(ruleSet([rule("tele/+device/SENSOR", "old")]), 1024);
    expect(run(ingest, "tele/plug1/SENSOR")).toEqual({ matched: 1, drafts: ["old device:plug1"] });
    expect(run(ingest, "tele/plug1/SENSOR")).toEqual({ matched: 1, drafts: ["old device:plug1"] });
    expect(run(ingest, "tele/plug2/SENSOR")).toEqual({ matched: 1, drafts: ["old device:plug2"] });
    ingest.setRuleSet(ruleSet([rule("tele/+device/SENSOR", "new")]), 1024);
    expect(run(ingest, "tele/plug1/SENSOR")).toEqual({ matched: 1, drafts: ["new device:plug1"] });
  });

  it("still consults rules devices announce after the topic was first seen unmatched", () => {
    const discovered = new DiscoveredRules();
    const ingest = new Ingest(ruleSet([rule("tele/+device/SENSOR", "plug")], discovered), 1024);
    expect(run(ingest, "sensors/hall/state")).toEqual({ matched: 0, drafts: [] });
    discovered.replace("hall", [rule("sensors/+room/state", "announced")]);
    expect(run(ingest, "sensors/hall/state")).toEqual({ matched: 1, drafts: ["announced room:hall"] });
    discovered.clear("hall");
    expect(run(ingest, "sensors/hall/state")).toEqual({ matched: 0, drafts: [] });
  });

  it("starts afresh past its limit of topics and keeps answering", () => {
    const ingest = new Ingest(ruleSet([rule("tele/+device/SENSOR", "plug")]), 1024, 2);
    for (let i = 0; i < 5; i++) expect(run(ingest, `tele/p${i}/SENSOR`).drafts).toEqual([`plug device:p${i}`]);
    expect(run(ingest, "tele/p0/SENSOR").drafts).toEqual(["plug device:p0"]);
  });
});
