import { z } from "zod";

/** Shared schema pieces: every config and rules schema builds on these, so a duration or a tag means the same thing everywhere. */

const DURATION_PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/g;
const DURATION_WHOLE = /^(\s*\d+(?:\.\d+)?\s*(ms|s|m|h|d|w)\s*)+$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses "45s", "5m", "1h30m", "2d" into milliseconds; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION_WHOLE.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(DURATION_PART)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return total;
}

/** Formats milliseconds the way a homeowner writes them: 90000 → "1m30s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1_000],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join("");
}

/** A duration written as "30s", "5m", "2h", "1d" (or a number of seconds); parsed to milliseconds. */
export const Duration = z
  .union([
    z.number().nonnegative(),
    z.string().refine((s) => parseDuration(s) !== undefined, {
      message: 'expected a duration such as "30s", "5m", "2h" or "1d"',
    }),
  ])
  .transform((v) => (typeof v === "number" ? v * 1000 : parseDuration(v)!))
  .meta({ description: 'A duration: "500ms", "30s", "5m", "2h", "1d", "1w", combinations like "1h30m", or a number of seconds.' });

const BYTE_SIZE = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?\s*$/;
const UNIT_BYTES: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 };

/** Parses "500MB", "2GiB", "64KiB" (or a plain number of bytes) into bytes; undefined when it is not a size. */
function parseByteSize(text: string): number | undefined {
  const m = BYTE_SIZE.exec(text);
  return m ? Math.round(Number(m[1]) * UNIT_BYTES[m[2] ?? "B"]!) : undefined;
}

/** A size written as "500MB", "1GB", "64KiB" (or a number of bytes); parsed to bytes. */
export const ByteSize = z
  .union([
    z.number().int().nonnegative(),
    z.string().refine((s) => parseByteSize(s) !== undefined, {
      message: 'expected a size such as "500MB", "2GB" or "64KiB"',
    }),
  ])
  .transform((v) => (typeof v === "number" ? v : parseByteSize(v)!))
  .meta({ description: 'A size: "64KiB", "500MB", "2GB" (KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024), or a number of bytes.' });

export const Port = z.number().int().min(0).max(65535).meta({ description: "A TCP/UDP port; 0 picks a free ephemeral port." });

export const HostAddress = z.string().min(1).meta({ description: "A host name or IP address." });

const TAG = /^[^\s:,][^\s,]*:[^\s,]+$/;

/** Datadog-style `key:value` tags, written as a list of strings or as a map. */
export const Tags = z
  .union([z.array(z.string().regex(TAG, { message: 'expected a "key:value" tag' })), z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))])
  .transform((t) => (Array.isArray(t) ? t : Object.entries(t).map(([k, v]) => `${k}:${v}`)))
  .meta({ description: 'Tags as a list of "key:value" strings, or as a map of key to value.' });

const METRIC = /^[A-Za-z][A-Za-z0-9_.]{0,199}$/;

/** A metric name as Datadog accepts it: starts with a letter; letters, digits, `_` and `.`; at most 200 characters. */
export const MetricName = z.string().regex(METRIC, {
  message: "a metric name starts with a letter and holds only letters, digits, '_' and '.' (at most 200 characters)",
});

export const MetricKind = z.enum(["gauge", "count", "rate", "monotonic"]).meta({
  description:
    "gauge: last value wins; count: values add up per flush; rate: a per-second value; monotonic: an ever-growing counter sent as its per-second rate (a reset is not a negative spike).",
});

/** A name the homeowner picks (an appliance, a person, an instance): usable as a tag value and in file names. */
export const Name = z.string().regex(/^[a-z][a-z0-9_-]*$/, {
  message: "use lower-case letters, digits, '_' and '-', starting with a letter",
});

/** A secret value: read it from the environment (`${VAR}`) or a file (`${file:/run/secrets/x}`), never write it in the file. */
export const Secret = z.string().min(1).meta({ description: "A secret: write ${ENV_VAR} or ${file:/path} rather than the value itself.", writeOnly: true });
