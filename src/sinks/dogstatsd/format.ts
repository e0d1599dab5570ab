import type { StoredPoint } from "../../store/points.js";

/**
 * The DogStatsD datagram format (docs: extend/dogstatsd/datagram_shell):
 * `<name>:<value>|<type>|#<tags>|T<unix seconds>`. Counts go as `c` (Datadog stores them as a
 * rate per second over the agent's 10 s interval); gauges and Hearth's rates as `g` (a rate
 * sent through DogStatsD is a gauge anyway). The `T` timestamp (protocol 1.3, Agent 7.40+) keeps
 * each point at the time Hearth aggregated it and turns off the agent's own aggregation, which
 * would otherwise aggregate Hearth's already aggregated points a second time. A `host:` tag sets
 * the host the agent reports the series under (datadog-agent, dogstatsd enrich: hostTagPrefix).
 */
export function dogstatsdLine(p: StoredPoint, host: string): string {
  const type = p.type === "count" ? "c" : "g";
  const tags = p.series.tags.some((t) => t.startsWith("host:")) ? p.series.tags : [`host:${host}`, ...p.series.tags];
  return `${p.series.metric}:${p.value}|${type}|#${tags.join(",")}|T${Math.floor(p.time / 1000)}\n`;
}

/**
 * Packs lines into as few payloads as possible of at most `max` bytes each, every line ending in
 * a newline. A line longer than `max` travels alone.
 */
export function packLines(lines: readonly string[], max: number): Buffer[] {
  const out: Buffer[] = [];
  let current = "";
  let size = 0;
  for (const line of lines) {
    const len = Buffer.byteLength(line);
    if (size > 0 && size + len > max) {
      out.push(Buffer.from(current));
      current = "";
      size = 0;
    }
    current += line;
    size += len;
  }
  if (size > 0) out.push(Buffer.from(current));
  return out;
}
