import { Message, type UserProperties } from "./message.js";
import type { CompiledRule, RuleOutput } from "./rule.js";
import type { RuleSet } from "./rule-set.js";
import type { TopicMatch } from "./topic-trie.js";

interface RuleTrace {
  rule: CompiledRule;
  captures: Record<string, string>;
  output: RuleOutput;
  /** A rule devices announced that did not run: this configured rule on the topic reads the same value. */
  coveredBy?: CompiledRule;
}

interface Covered {
  match: TopicMatch<CompiledRule>;
  by: CompiledRule;
}

/** The rules that read one topic, and the announced ones left out because a configured rule reads the same value. */
interface Resolved {
  configured: TopicMatch<CompiledRule>[];
  discoveredVersion: number;
  run: TopicMatch<CompiledRule>[];
  covered: Covered[];
}

/**
 * Configured rules first, then the announced rules that read what no configured rule on the
 * topic covers (a rule without `covers` covers everything: a mapping's topic stays its own).
 */
function combine(configured: TopicMatch<CompiledRule>[], discovered: TopicMatch<CompiledRule>[]): Pick<Resolved, "run" | "covered"> {
  if (configured.length === 0) return { run: discovered, covered: [] };
  if (discovered.length === 0) return { run: configured, covered: [] };
  const run = [...configured];
  const covered: Covered[] = [];
  for (const d of discovered) {
    const path = d.value.reads ?? [];
    const by = configured.find((c) => !c.value.covers || c.value.covers(path, c.captures));
    if (by) covered.push({ match: d, by: by.value });
    else run.push(d);
  }
  return { run, covered };
}

/**
 * The first stage of the pipeline: an MQTT message in, drafts out. Matching is one trie walk;
 * the payload is decoded once, lazily, and shared by every rule that matched.
 */
export class Ingest {
  /**
   * What the rules matched, per topic: a device publishes to the same few topics for months, so
   * the tries are walked once per topic rather than once per message. The configured trie only
   * changes with the rule set; when devices announce rules, a topic's answer is worked out again.
   */
  private matched = new Map<string, Resolved>();

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

  private resolve(topic: string): Resolved {
    const discovered = this.ruleSet.discovered;
    const known = this.matched.get(topic);
    if (known && known.discoveredVersion === discovered.version) return known;
    const configured = known?.configured ?? this.ruleSet.trie.match(topic);
    const resolved: Resolved = { configured, discoveredVersion: discovered.version, ...combine(configured, discovered.match(topic)) };
    // A client inventing topics cannot grow this without bound: past the limit, start afresh.
    if (!known && this.matched.size >= this.maxTopics) this.matched.clear();
    this.matched.set(topic, resolved);
    return resolved;
  }

  /** Appends what the message yields to `out`; returns how many rules matched. */
  process(topic: string, payload: Buffer, receivedAt: number, out: RuleOutput, userProperties?: UserProperties): number {
    const matches = this.resolve(topic).run;
    if (matches.length === 0) return 0;
    const msg = new Message(topic, payload, receivedAt, this.maxPayloadBytes, userProperties);
    for (const m of matches) m.value.extract(msg, m.captures, out);
    return matches.length;
  }

  /** The same work as `process`, kept apart per rule, for `hearth check --explain`; with the announced rules a configured one covered. */
  explain(topic: string, payload: Buffer, receivedAt: number, userProperties?: UserProperties): RuleTrace[] {
    const msg = new Message(topic, payload, receivedAt, this.maxPayloadBytes, userProperties);
    const { run, covered } = this.resolve(topic);
    const traces: RuleTrace[] = run.map((m) => {
      const output: RuleOutput = { drafts: [], skips: [], notes: [] };
      m.value.extract(msg, m.captures, output);
      return { rule: m.value, captures: m.captures, output };
    });
    for (const c of covered) traces.push({ rule: c.match.value, captures: c.match.captures, output: { drafts: [], skips: [], notes: [] }, coveredBy: c.by });
    return traces;
  }

  /** Whether configured rules read `topic`, and the first of them that covers `path` there: what an announced entity on it will do. */
  ownerOf(topic: string, path: readonly (string | number)[]): { configured: CompiledRule | undefined; coveredBy: CompiledRule | undefined } {
    const configured = this.ruleSet.trie.match(topic);
    const by = configured.find((c) => !c.value.covers || c.value.covers(path, c.captures));
    return { configured: configured[0]?.value, coveredBy: by?.value };
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
