/**
 * Paths into a decoded JSON payload, written the way the homeowner reads the payload:
 * `ENERGY.Power`, `Current.0` (first element), `+sensor.Temperature` (any key, captured as
 * {sensor}; over a list, positions are numbered from 1 like a device's channels).
 */
type Segment = { kind: "key"; key: string } | { kind: "index"; index: number } | { kind: "any"; capture: string | undefined };

export interface CompiledPath {
  text: string;
  segments: Segment[];
  /** Capture names this path introduces. */
  captures: string[];
}

interface PathHit {
  value: unknown;
  captures: Record<string, string> | undefined;
}

export function compilePath(text: string): CompiledPath {
  const segments: Segment[] = text.split(".").map((s): Segment => {
    if (s === "*" || s === "+") return { kind: "any", capture: undefined };
    if (s.startsWith("+")) return { kind: "any", capture: s.slice(1) };
    if (/^\d+$/.test(s)) return { kind: "index", index: Number(s) };
    return { kind: "key", key: s };
  });
  const captures = segments.flatMap((s) => (s.kind === "any" && s.capture ? [s.capture] : []));
  return { text, segments, captures };
}

/** The values a path selects. Without wildcards, one hit (value undefined when absent). */
export function evaluatePath(path: CompiledPath, root: unknown): PathHit[] {
  if (path.captures.length === 0 && !path.segments.some((s) => s.kind === "any")) {
    return [{ value: walkPlain(path.segments, root), captures: undefined }];
  }
  const hits: PathHit[] = [];
  walkWild(path.segments, 0, root, {}, hits);
  return hits;
}

function walkPlain(segments: Segment[], root: unknown): unknown {
  let v = root;
  for (const s of segments) {
    if (v === null || typeof v !== "object") return undefined;
    if (s.kind === "key") v = (v as Record<string, unknown>)[s.key];
    else if (s.kind === "index") v = Array.isArray(v) ? v[s.index] : (v as Record<string, unknown>)[String(s.index)];
  }
  return v;
}

function walkWild(segments: Segment[], i: number, v: unknown, captures: Record<string, string>, hits: PathHit[]): void {
  if (i === segments.length) {
    if (v !== undefined) hits.push({ value: v, captures: { ...captures } });
    return;
  }
  if (v === null || typeof v !== "object") return;
  const s = segments[i]!;
  if (s.kind === "key") return walkWild(segments, i + 1, (v as Record<string, unknown>)[s.key], captures, hits);
  if (s.kind === "index") return walkWild(segments, i + 1, Array.isArray(v) ? v[s.index] : undefined, captures, hits);
  const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, n) => [String(n + 1), x]) : Object.entries(v);
  for (const [key, child] of entries) {
    if (s.capture) captures[s.capture] = key;
    walkWild(segments, i + 1, child, captures, hits);
  }
  if (s.capture) delete captures[s.capture];
}
