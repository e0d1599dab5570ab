import type { Rules } from "../config/load.js";
import { peopleRules } from "../house/people.js";
import { tankRules } from "../house/tanks.js";
import { PRESETS } from "../presets/index.js";
import { PresetRuntime } from "../presets/runtime.js";
import { compileMapping, mappingOrigin } from "../pipeline/compile.js";
import type { CompiledRule } from "../pipeline/rule.js";
import type { RuleSet } from "../pipeline/rule-set.js";
import { TopicTrie } from "../pipeline/topic-trie.js";

/** The pipeline's rule set from the rules. `runtime` is what presets learned from devices; a fresh one (for `--explain`, checks) knows nothing yet. */
export function buildRuleSet(rules: Rules, runtime = new PresetRuntime()): RuleSet {
  const compiled: CompiledRule[] = [];
  for (const [name, options] of rules.presets) compiled.push(...PRESETS[name]!.rules(options, runtime));
  for (const m of rules.mappings) compiled.push(compileMapping(m, mappingOrigin(m.source, m.name)));
  compiled.push(...peopleRules(rules.people), ...tankRules(rules.tanks));
  const trie = new TopicTrie<CompiledRule>();
  for (const r of compiled) trie.add(r.filter, r);
  return { trie, rules: compiled, discovered: runtime.discovered };
}
