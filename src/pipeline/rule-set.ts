import type { DiscoveredRules } from "./discovered.js";
import type { CompiledRule } from "./rule.js";
import type { TopicTrie } from "./topic-trie.js";

/**
 * The compiled ingest rules: presets first, then the homeowner's own mappings, people's
 * presence sources and tanks, in a topic trie; and the rules devices announced at runtime.
 * Built above the pipeline (src/assembly/ruleset.ts), which knows the presets and the house.
 */
export interface RuleSet {
  trie: TopicTrie<CompiledRule>;
  rules: CompiledRule[];
  discovered: DiscoveredRules;
}
