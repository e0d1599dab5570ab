import type { v2 } from "@datadog/datadog-api-client";
import { INTAKE_TYPE, type StoredPoint } from "../../store/points.js";

/**
 * What one request carries, in bytes of JSON. SPECv2 `POST /api/v2/series` allows 512000 bytes
 * compressed and 5242880 decompressed; a body under 500,000 bytes before compression stays under
 * both without measuring the gzipped size, since deflate grows even incompressible data by at most
 * 5 bytes per 16 KB block plus an 18-byte gzip header (RFC 1951 stored blocks, RFC 1952).
 */
const UNCOMPRESSED_BUDGET = 500_000;

const ENVELOPE_BYTES = Buffer.byteLength('{"series":[]}');

const intervalSeconds = (p: StoredPoint) => Math.max(1, Math.round(p.interval / 1000));
const groupOf = (p: StoredPoint) => (p.type === "gauge" ? `${p.series.key}|g` : `${p.series.key}|${p.type}|${intervalSeconds(p)}`);

/**
 * One series entry, without its points. Every field name here reads the same in the client's
 * camelCase model and on the wire, so the same object is what the client sends and what is measured.
 */
function seriesHead(p: StoredPoint, host: string): v2.MetricSeries {
  return {
    metric: p.series.metric,
    type: INTAKE_TYPE[p.type],
    // "If the type of the metric is rate or count, define the corresponding interval in seconds." (SPECv2 MetricSeries.interval)
    ...(p.type === "gauge" ? {} : { interval: intervalSeconds(p) }),
    tags: p.series.tags,
    // "Host name is one of the resources in the Resources field." (SPECv2 MetricSeries.resources)
    resources: [{ name: host, type: "host" }],
    points: [],
  };
}

/** Timestamps are POSIX seconds (SPECv2 MetricPoint.timestamp), not milliseconds. */
const pointOf = (p: StoredPoint): v2.MetricPoint => ({ timestamp: Math.floor(p.time / 1000), value: p.value });

const jsonBytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

/** How many points from `start` on make one payload under `budget` bytes of JSON (at least one). */
export function fitPayload(points: readonly StoredPoint[], start: number, host: string, budget = UNCOMPRESSED_BUDGET): number {
  let size = ENVELOPE_BYTES;
  const groups = new Set<string>();
  let i = start;
  for (; i < points.length; i++) {
    const p = points[i]!;
    const group = groupOf(p);
    let add = jsonBytes(pointOf(p)) + 1;
    if (!groups.has(group)) add += jsonBytes(seriesHead(p, host)) + 1;
    if (size + add > budget && i > start) break;
    size += add;
    groups.add(group);
  }
  return i - start;
}

/** Groups points into series (metric + tags, type and interval), in the order they were stored. */
export function buildPayload(points: readonly StoredPoint[], host: string): v2.MetricPayload {
  const series = new Map<string, v2.MetricSeries>();
  for (const p of points) {
    const group = groupOf(p);
    let s = series.get(group);
    if (!s) {
      s = seriesHead(p, host);
      series.set(group, s);
    }
    s.points.push(pointOf(p));
  }
  return { series: [...series.values()] };
}
