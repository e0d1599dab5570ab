import type { CompiledRule } from "./rule.js";
import { TopicTrie, type TopicMatch } from "./topic-trie.js";

/**
 * Rules that devices bring while the hub runs (Home Assistant MQTT discovery): each owner
 * replaces its whole set at once, without a reload. On a topic a configured rule reads they
 * read only what that rule does not (see CompiledRule.covers), so a preset or a mapping always
 * names a device's readings the same way. The trie is rebuilt on change, which is rare next to
 * messages; `version` tells a cache of matches that it changed.
 */
export class DiscoveredRules {
  private readonly owners = new Map<string, readonly CompiledRule[]>();
  private trie = new TopicTrie<CompiledRule>();
  private changes = 0;

  get version(): number {
    return this.changes;
  }

  get size(): number {
    return this.trie.size;
  }

  replace(owner: string, rules: readonly CompiledRule[]): void {
    if (rules.length > 0) this.owners.set(owner, rules);
    else this.owners.delete(owner);
    this.trie = new TopicTrie<CompiledRule>();
    for (const set of this.owners.values()) for (const r of set) this.trie.add(r.filter, r);
    this.changes++;
  }

  clear(owner: string): void {
    if (this.owners.has(owner)) this.replace(owner, []);
  }

  match(topic: string): TopicMatch<CompiledRule>[] {
    return this.trie.size > 0 ? this.trie.match(topic) : [];
  }

  rules(): CompiledRule[] {
    return [...this.owners.values()].flat();
  }
}
