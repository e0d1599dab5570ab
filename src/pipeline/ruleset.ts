import type { Rules } from "../config/load.js";
import { peopleRules } from "../house/people.js";
import { tankRules } from "../house/tanks.js";
import { PRESETS } from "../presets/index.js";
import { PresetRuntime } from "../presets/runtime.js";
import { compileMapping, mappingOrigin } from "./compile.js";
import type { DiscoveredRules } from "./discovered.js";
import type { CompiledRule } from "./rule.js";
import { TopicTrie } from "./topic-trie.js";

/**
 * The compiled ingest rules: presets first, then the homeowner's own mappings, people's
 * presence sources and tanks, in a topic trie; and the rules devices announced at runtime.
 */
export interface RuleSet {
  trie: TopicTrie<CompiledRule>;
  rules: CompiledRule[];
  discovered: DiscoveredRules;
}

/** `runtime` is what presets learned from devices; a fresh one (for `--explain`, checks) knows nothing yet. */
export function buildRuleSet(rules: Rules, runtime = new PresetRuntime()): RuleSet {
  const compiled: CompiledRule[] = [];
  for (const [name, options] of rules.presets) compiled.push(...PRESETS[name]!.rules(options, runtime));
  for (const m of rules.mappings) compiled.push(compileMapping(m, mappingOrigin(m.source, m.name)));
  compiled.push(...peopleRules(rules.people), ...tankRules(rules.tanks));
  const trie = new TopicTrie<CompiledRule>();
  for (const r of compiled) trie.add(r.filter, r);
  return { trie, rules: compiled, discovered: runtime.discovered };
}
