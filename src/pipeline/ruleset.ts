import type { Rules } from "../config/load.js";
import type { Issue } from "../config/issues.js";
import { PRESETS } from "../presets/index.js";
import { compileMapping, mappingOrigin } from "./compile.js";
import type { CompiledRule } from "./rule.js";
import { TopicTrie } from "./topic-trie.js";

/** The compiled ingest rules: presets first, then the homeowner's own mappings, in a topic trie. */
export interface RuleSet {
  trie: TopicTrie<CompiledRule>;
  rules: CompiledRule[];
}

export function buildRuleSet(rules: Rules): { ruleSet: RuleSet; issues: Issue[] } {
  const compiled: CompiledRule[] = [];
  const issues: Issue[] = [];
  for (const [name, options] of rules.presets) compiled.push(...PRESETS[name]!.rules(options));
  for (const m of rules.mappings) {
    const { rule, problems } = compileMapping(m, mappingOrigin(m.source, m.name));
    for (const message of problems) issues.push({ ...m.source, message: `mappings: ${message}` });
    compiled.push(rule);
  }
  const trie = new TopicTrie<CompiledRule>();
  for (const r of compiled) trie.add(r.filter, r);
  return { ruleSet: { trie, rules: compiled }, issues };
}
