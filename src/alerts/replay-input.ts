import { z } from "zod";
import { MetricKind, MetricName, Tags } from "../config-kit/common.js";
import type { Issue } from "../config-kit/issues.js";
import { validate } from "../config-kit/validate.js";
import type { MetricKind as Kind } from "../pipeline/sample.js";

/**
 * `hearth replay` input (docs/design.md, "Replay input"): one JSON object per line, either an MQTT
 * message `{"t", "topic", "payload" | "payload_base64", "retain"?}` or a sample
 * `{"t", "metric", "value", "tags"?, "kind"?}`. Lines may come in any order.
 */
export type ReplayLine =
  { t: number; line: number; topic: string; payload: Buffer } | { t: number; line: number; metric: string; value: number; tags: string[]; kind: Kind };

const OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

const Time = z
  .string()
  .refine((s) => OFFSET.test(s) && !Number.isNaN(Date.parse(s)), { message: 'expected an ISO 8601 time with its offset, such as "2026-01-05T19:00:00Z"' })
  .transform((s) => Date.parse(s));

const MqttLine = z
  .strictObject({
    t: Time,
    topic: z.string().min(1),
    payload: z.string().optional(),
    payload_base64: z.string().optional(),
    retain: z.boolean().optional(),
  })
  .refine((l) => (l.payload === undefined) !== (l.payload_base64 === undefined), { message: 'an MQTT line has either "payload" or "payload_base64"' });

const SampleLine = z.strictObject({
  t: Time,
  metric: MetricName,
  value: z.number(),
  tags: Tags.optional(),
  kind: MetricKind.optional(),
});

/** Parses the whole input; every bad line is reported with its line number, all at once. */
export function parseReplayInput(text: string, file: string): { lines: ReplayLine[]; issues: Issue[] } {
  const lines: ReplayLine[] = [];
  const issues: Issue[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === "") return;
    const at = { file, line, col: 1 };
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      issues.push({ ...at, message: `not JSON: ${(err as Error).message}` });
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value) || !("topic" in value || "metric" in value)) {
      issues.push({ ...at, message: 'expected an MQTT message {"t", "topic", "payload"} or a sample {"t", "metric", "value"}' });
      return;
    }
    if ("topic" in value) {
      const r = validate(MqttLine, value, () => at);
      issues.push(...r.issues);
      if (r.data)
        lines.push({
          t: r.data.t,
          line,
          topic: r.data.topic,
          payload: r.data.payload !== undefined ? Buffer.from(r.data.payload, "utf8") : Buffer.from(r.data.payload_base64!, "base64"),
        });
    } else {
      const r = validate(SampleLine, value, () => at);
      issues.push(...r.issues);
      if (r.data) lines.push({ t: r.data.t, line, metric: r.data.metric, value: r.data.value, tags: r.data.tags ?? [], kind: r.data.kind ?? "gauge" });
    }
  });
  return { lines, issues };
}
