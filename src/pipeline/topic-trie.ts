/**
 * Topic filters in a trie, one level per node, so matching a message costs one walk down the
 * tree however many hundreds of rules there are. Filters may name their wildcards
 * (`tele/+device/SENSOR`, `owntracks/+user/#rest`); a match returns the captured levels.
 */
export interface TopicMatch<T> {
  value: T;
  captures: Record<string, string>;
}

interface Entry<T> {
  value: T;
  /** The name of each `+` wildcard in order (undefined when unnamed). */
  plusNames: (string | undefined)[];
  /** The name of the trailing `#`, when it has one. */
  hashName: string | undefined;
}

class Node<T> {
  readonly literal = new Map<string, Node<T>>();
  plus: Node<T> | undefined;
  /** Filters that end here. */
  readonly ends: Entry<T>[] = [];
  /** Filters that end with `#` below this node. */
  readonly hashes: Entry<T>[] = [];
}

export class TopicTrie<T> {
  private readonly root = new Node<T>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(filter: string, value: T): void {
    const levels = filter.split("/");
    const plusNames: (string | undefined)[] = [];
    let node = this.root;
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i]!;
      if (level[0] === "#") {
        node.hashes.push({ value, plusNames, hashName: level.slice(1) || undefined });
        this.count++;
        return;
      }
      if (level[0] === "+") {
        plusNames.push(level.slice(1) || undefined);
        node = node.plus ??= new Node<T>();
      } else {
        let next = node.literal.get(level);
        if (!next) node.literal.set(level, (next = new Node<T>()));
        node = next;
      }
    }
    node.ends.push({ value, plusNames, hashName: undefined });
    this.count++;
  }

  /** Every filter that matches `topic`, in the order they were added per node. */
  match(topic: string): TopicMatch<T>[] {
    const levels = topic.split("/");
    const out: TopicMatch<T>[] = [];
    // [MQTT-4.7.2-1] a topic starting with '$' is not matched by a leading wildcard.
    const system = topic.startsWith("$");
    this.walk(this.root, levels, 0, [], out, system);
    return out;
  }

  private walk(node: Node<T>, levels: string[], depth: number, wild: string[], out: TopicMatch<T>[], system: boolean): void {
    const leadingWildcardAllowed = !(system && depth === 0);
    // [MQTT-4.7.1-2] "sport/#" also matches "sport" itself.
    if (leadingWildcardAllowed) for (const e of node.hashes) out.push(this.result(e, wild, levels.slice(depth).join("/")));
    if (depth === levels.length) {
      for (const e of node.ends) out.push(this.result(e, wild, undefined));
      return;
    }
    const level = levels[depth]!;
    const exact = node.literal.get(level);
    if (exact) this.walk(exact, levels, depth + 1, wild, out, system);
    if (node.plus && leadingWildcardAllowed) {
      wild.push(level);
      this.walk(node.plus, levels, depth + 1, wild, out, system);
      wild.pop();
    }
  }

  private result(e: Entry<T>, wild: string[], rest: string | undefined): TopicMatch<T> {
    const captures: Record<string, string> = {};
    for (let i = 0; i < e.plusNames.length; i++) {
      const name = e.plusNames[i];
      if (name !== undefined) captures[name] = wild[i]!;
    }
    if (e.hashName !== undefined && rest !== undefined) captures[e.hashName] = rest;
    return { value: e.value, captures };
  }
}
