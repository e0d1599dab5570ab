/**
 * What a reload changed, as dotted paths ("mqtt.port", "rules: mappings"), for the log line
 * that says a new configuration is in force. Values are not shown: some of them are secrets.
 */
export function changedPaths(before: unknown, after: unknown, prefix = "", depth = 2): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (depth === 0 || !isMap(before) || !isMap(after)) return [prefix || "(root)"];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.flatMap((k) => changedPaths(before[k], after[k], prefix ? `${prefix}.${k}` : k, depth - 1));
}
