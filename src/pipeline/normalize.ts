/**
 * Datadog's naming rules, applied once before a series is keyed, so two spellings of the same
 * name cannot become two series (and two bills). See https://docs.datadoghq.com/metrics/custom_metrics/#naming-custom-metrics
 * and https://docs.datadoghq.com/getting_started/tagging/#define-tags.
 */
const MAX_LENGTH = 200;

/** Metric names: ASCII letters, digits, '_' and '.'; other characters become '_'; starts with a letter; case is kept. */
export function normalizeMetricName(name: string): string {
  let n = name.replace(/[^A-Za-z0-9_.]/g, "_").replace(/_{2,}/g, "_");
  n = n.replace(/^[^A-Za-z]+/, "");
  n = n.replace(/_+$/, "");
  return (n || "unnamed").slice(0, MAX_LENGTH);
}

/** Tags: lower-case; letters, digits, '_', '-', ':', '.', '/'; other characters become '_'; starts with a letter. */
export function normalizeTag(tag: string): string {
  let t = tag
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\-:./]/gu, "_")
    .replace(/_{2,}/g, "_");
  t = t.replace(/^[^\p{L}]+/u, "");
  t = t.replace(/_+$/, "");
  return t.slice(0, MAX_LENGTH);
}

/** Sorted, normalised, without exact duplicates (a key may still repeat with other values: openHAB groups). */
export function normalizeTags(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of tags) {
    const n = normalizeTag(t);
    if (n.length > 0 && !n.endsWith(":")) out.push(n);
  }
  out.sort();
  return out.filter((t, i) => i === 0 || t !== out[i - 1]);
}

export const seriesKey = (metric: string, tags: readonly string[]): string => (tags.length ? `${metric}|${tags.join(",")}` : metric);

export interface Series {
  key: string;
  metric: string;
  tags: string[];
}

/** One step of the namer's cache: the raw tags read so far lead here; `series` is keyed by raw metric. */
interface NameNode {
  next: Map<string, NameNode> | undefined;
  series: Map<string, Series> | undefined;
}

/**
 * Normalises a metric and its tags and adds the global tags, remembering recent answers: a
 * house sends the same few hundred series over and over, so the hot path is a map lookup per
 * tag (a trie keyed by the raw tags, then the raw metric), with no key string built per sample.
 */
export class SeriesNamer {
  private root: NameNode = { next: undefined, series: undefined };
  private entries = 0;

  constructor(
    private readonly globalTags: readonly string[],
    private readonly maxEntries = 50_000,
  ) {}

  /** The tags of the previous call, element by element, and where they led: a message's readings share their tags. */
  private readonly lastTags: string[] = [];
  private lastNode: NameNode | undefined;

  private nodeOf(tags: readonly string[]): NameNode {
    const last = this.lastTags;
    if (this.lastNode && last.length === tags.length) {
      let same = true;
      for (let i = 0; i < tags.length && same; i++) same = last[i] === tags[i];
      if (same) return this.lastNode;
    }
    let node = this.root;
    for (let i = 0; i < tags.length; i++) {
      const next = (node.next ??= new Map<string, NameNode>()).get(tags[i]!);
      if (next) node = next;
      else node.next.set(tags[i]!, (node = { next: undefined, series: undefined }));
    }
    last.length = tags.length;
    for (let i = 0; i < tags.length; i++) last[i] = tags[i]!;
    this.lastNode = node;
    return node;
  }

  name(metric: string, tags: readonly string[]): Series {
    const node = this.nodeOf(tags);
    const byMetric = (node.series ??= new Map<string, Series>());
    let s = byMetric.get(metric);
    if (s) return s;
    const m = normalizeMetricName(metric);
    const t = normalizeTags(this.globalTags.length ? [...tags, ...this.globalTags] : tags);
    s = { key: seriesKey(m, t), metric: m, tags: t };
    if (this.entries >= this.maxEntries) {
      // Forget everything at once (a device inventing tags cannot grow this without bound); the
      // series asked for again are named again, to the same key.
      this.root = { next: undefined, series: undefined };
      this.lastNode = undefined;
      this.entries = 0;
      return this.name(metric, tags);
    }
    this.entries++;
    byMetric.set(metric, s);
    return s;
  }
}
