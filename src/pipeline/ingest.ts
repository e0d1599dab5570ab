import { Message } from "./message.js";
import type { CompiledRule, RuleOutput } from "./rule.js";
import type { RuleSet } from "./ruleset.js";
import type { TopicMatch } from "./topic-trie.js";

export interface RuleTrace {
  rule: CompiledRule;
  captures: Record<string, string>;
  output: RuleOutput;
}

/**
 * The first stage of the pipeline: an MQTT message in, drafts out. Matching is one trie walk;
 * the payload is decoded once, lazily, and shared by every rule that matched.
 */
export class Ingest {
  /**
   * What the configured rules matched, per topic: a device publishes to the same few topics
   * for months, so the trie is walked once per topic rather than once per message. The
   * configured trie only changes with the rule set; rules devices announce are matched anew.
   */
  private matched = new Map<string, TopicMatch<CompiledRule>[]>();

  constructor(
    private ruleSet: RuleSet,
    private maxPayloadBytes: number,
    private readonly maxTopics = 20_000,
  ) {}

  setRuleSet(ruleSet: RuleSet, maxPayloadBytes: number): void {
    this.ruleSet = ruleSet;
    this.maxPayloadBytes = maxPayloadBytes;
    this.matched = new Map();
  }

  /** Configured rules first; rules devices announced only read topics nothing configured reads. */
  private match(topic: string): TopicMatch<CompiledRule>[] {
    let configured = this.matched.get(topic);
    if (!configured) {
      configured = this.ruleSet.trie.match(topic);
      // A client inventing topics cannot grow this without bound: past the limit, start afresh.
      if (this.matched.size >= this.maxTopics) this.matched.clear();
      this.matched.set(topic, configured);
    }
    return configured.length > 0 ? configured : this.ruleSet.discovered.match(topic);
  }

  /** Appends what the message yields to `out`; returns how many rules matched. */
  process(topic: string, payload: Buffer, receivedAt: number, out: RuleOutput): number {
    const matches = this.match(topic);
    if (matches.length === 0) return 0;
    const msg = new Message(topic, payload, receivedAt, this.maxPayloadBytes);
    for (const m of matches) m.value.extract(msg, m.captures, out);
    return matches.length;
  }

  /** The same work as `process`, kept apart per rule, for `hearth check --explain`. */
  explain(topic: string, payload: Buffer, receivedAt: number): RuleTrace[] {
    const msg = new Message(topic, payload, receivedAt, this.maxPayloadBytes);
    return this.match(topic).map((m) => {
      const output: RuleOutput = { drafts: [], skips: [], notes: [] };
      m.value.extract(msg, m.captures, output);
      return { rule: m.value, captures: m.captures, output };
    });
  }

  /** Filters that share the most leading levels with `topic`: "why none did" in an explanation. */
  nearMisses(topic: string, limit = 3): string[] {
    const levels = topic.split("/");
    const score = (filter: string) => {
      const f = filter.split("/");
      let n = 0;
      while (n < f.length && n < levels.length && (f[n] === levels[n] || f[n]![0] === "+")) n++;
      return n;
    };
    const ranked = [...new Set([...this.ruleSet.rules, ...this.ruleSet.discovered.rules()].map((r) => r.filter))]
      .map((f) => ({ f, s: score(f) }))
      .filter((x) => x.s > 0)
      .sort((a, b) => b.s - a.s);
    return ranked.slice(0, limit).map((x) => x.f);
  }
}
