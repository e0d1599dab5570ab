import type { Json } from "./translate-dashboard.js";

/** One field that differs: its dotted path, what Datadog has, what the rules say. */
export interface FieldChange {
  path: string;
  from: unknown;
  to: unknown;
}

/** Lists whose order Datadog does not keep (the client's recorded downtimes return notify_end_states in any order). */
const UNORDERED = new Set(["tags", "notify_end_states", "notify_end_types", "monitor_tags", "renotify_statuses"]);
/** Objects Hearth owns whole: a threshold removed from the rules must go from Datadog too. */
const WHOLE = new Set(["thresholds"]);

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The fields of `want` that `have` lacks or holds differently. Only what the rules set is
 * compared: Datadog adds defaults and ids of its own (widget ids, `overall_state`, …).
 */
export function diffFields(have: unknown, want: unknown, path = ""): FieldChange[] {
  const name = path
    .split(".")
    .pop()!
    .replace(/\[\d+\]$/, "");
  if (Array.isArray(want)) {
    const h: unknown[] = Array.isArray(have) ? have : [];
    if (UNORDERED.has(name)) {
      const a = [...h].map(String).sort();
      const b = [...(want as unknown[])].map(String).sort();
      return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path, from: have, to: want }];
    }
    if (h.length !== want.length) return [{ path, from: have, to: want }];
    return want.flatMap((w, i) => diffFields(h[i], w, `${path}[${i}]`));
  }
  if (isObject(want)) {
    if (!isObject(have)) return [{ path, from: have, to: want }];
    const changes = Object.entries(want).flatMap(([k, w]) => diffFields(have[k], w, path ? `${path}.${k}` : k));
    if (WHOLE.has(name))
      for (const k of Object.keys(have))
        if (!(k in want) && have[k] !== null && have[k] !== undefined) changes.push({ path: `${path}.${k}`, from: have[k], to: undefined });
    return changes;
  }
  return have === want ? [] : [{ path, from: have, to: want }];
}
