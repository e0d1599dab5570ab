import type { Rules } from "../config/load.js";
import { PRESETS } from "../presets/index.js";
import { compileMapping, mappingOrigin } from "./compile.js";
import type { CompiledRule } from "./rule.js";
import { TopicTrie } from "./topic-trie.js";

/** The compiled ingest rules: presets first, then the homeowner's own mappings, in a topic trie. */
export interface RuleSet {
  trie: TopicTrie<CompiledRule>;
  rules: CompiledRule[];
}

export function buildRuleSet(rules: Rules): RuleSet {
  const compiled: CompiledRule[] = [];
  for (const [name, options] of rules.presets) compiled.push(...PRESETS[name]!.rules(options));
  for (const m of rules.mappings) compiled.push(compileMapping(m, mappingOrigin(m.source, m.name)));
  const trie = new TopicTrie<CompiledRule>();
  for (const r of compiled) trie.add(r.filter, r);
  return { trie, rules: compiled };
}
