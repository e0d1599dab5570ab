import { DateTime } from "luxon";
import type { SourceRef } from "../config-kit/issues.js";
import { compilePath, evaluatePath, type CompiledPath } from "./json-path.js";
import { placeholdersOf, type Mapping, type SampleSpec } from "./mapping-schema.js";
import type { Message } from "./message.js";
import type { CompiledRule, Draft, RuleOrigin, RuleOutput } from "./rule.js";
import type { MetricKind } from "./sample.js";
import { parseDecimal, readValue, stateTable, type StateTable } from "./value.js";

/** Renders `device:{device}` with a message's captures; a constant tag costs nothing per message. */
type TagRenderer = (captures: Record<string, string>) => string;

function compileTag(template: string): TagRenderer {
  if (placeholdersOf(template).length === 0) return () => template;
  return (c) => template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => c[name] ?? "");
}

interface CompiledSpec {
  metric: string;
  path: CompiledPath | undefined;
  unit: string | undefined;
  kind: MetricKind;
  states: StateTable;
  transform: ((raw: number) => number) | undefined;
  tags: TagRenderer[];
}

/** A linear map through two points, for sensors that report a raw ADC value (a pH probe). */
export function twoPointLine([[r1, v1], [r2, v2]]: [[number, number], [number, number]]): (raw: number) => number {
  const slope = (v2 - v1) / (r2 - r1);
  return (raw) => v1 + (raw - r1) * slope;
}

function valueTransform(s: Pick<SampleSpec, "calibrate" | "scale" | "offset">): ((raw: number) => number) | undefined {
  const line = s.calibrate ? twoPointLine(s.calibrate) : undefined;
  const scale = s.scale;
  const offset = s.offset;
  if (!line && scale === undefined && offset === undefined) return undefined;
  return (raw) => {
    let v = line ? line(raw) : raw;
    if (scale !== undefined) v *= scale;
    if (offset !== undefined) v += offset;
    return v;
  };
}

/** Turns a validated mapping from a rules file (or a preset's table) into a rule. */
export function compileMapping(m: Mapping, origin: RuleOrigin): CompiledRule {
  const specs: SampleSpec[] = m.samples ?? [
    {
      metric: m.metric!,
      path: m.path,
      unit: m.unit,
      kind: m.kind,
      calibrate: m.calibrate,
      scale: m.scale,
      offset: m.offset,
      states: m.states,
      tags: [],
    },
  ];
  const ruleTags = m.tags.map(compileTag);
  const compiled: CompiledSpec[] = specs.map((s) => ({
    metric: s.metric,
    path: s.path !== undefined ? compilePath(s.path) : undefined,
    unit: s.unit,
    kind: s.kind,
    states: stateTable(s.states),
    transform: valueTransform(s),
    tags: [...ruleTags, ...s.tags.map(compileTag)],
  }));
  const needsJson = compiled.some((s) => s.path !== undefined) || m.time !== undefined;
  const timeOf = m.time ? timeReader(m.time) : undefined;

  return {
    filter: m.topic,
    origin,
    extract(msg: Message, captures: Record<string, string>, out: RuleOutput) {
      let json: unknown;
      if (needsJson) {
        const decoded = msg.json();
        if (!decoded.ok) {
          out.skips.push({ metric: compiled.map((s) => s.metric).join(", "), why: decoded.detail, reason: decoded.reason });
          return;
        }
        json = decoded.value;
      }
      let time = msg.receivedAt;
      let stamped = false;
      if (timeOf) {
        const t = timeOf(json);
        if (t === undefined) out.skips.push({ metric: "(time)", why: `no usable timestamp at "${m.time!.path}", using the receive time`, reason: "bad_timestamp" });
        else [time, stamped] = [t, true];
      }
      for (const spec of compiled) extractSpec(spec, msg, json, captures, time, stamped, out);
    },
  };
}

function extractSpec(spec: CompiledSpec, msg: Message, json: unknown, captures: Record<string, string>, time: number, stamped: boolean, out: RuleOutput): void {
  let hits: { value: unknown; captures: Record<string, string> | undefined }[];
  if (spec.path) {
    hits = evaluatePath(spec.path, json);
  } else {
    const text = msg.text();
    if (!text.ok) {
      out.skips.push({ metric: spec.metric, why: text.detail, reason: text.reason });
      return;
    }
    hits = [{ value: text.value, captures: undefined }];
  }
  for (const hit of hits) {
    const reading = readValue(hit.value, spec.states);
    if (!reading.ok) {
      if (reading.reason === "null")
        out.skips.push({ metric: spec.metric, why: spec.path ? `"${spec.path.text}" is ${reading.detail}` : "payload is null" });
      else out.skips.push({ metric: spec.metric, why: reading.detail, reason: reading.reason });
      continue;
    }
    const all = hit.captures ? { ...captures, ...hit.captures } : captures;
    const draft: Draft = {
      metric: spec.metric,
      value: spec.transform ? spec.transform(reading.value) : reading.value,
      tags: spec.tags.map((render) => render(all)),
      kind: spec.kind,
      unit: spec.unit ?? reading.unit,
      time,
      state: reading.state,
      ...(stamped ? { stamped: true as const } : {}),
    };
    out.drafts.push(draft);
  }
}

function timeReader(spec: NonNullable<Mapping["time"]>): (json: unknown) => number | undefined {
  const path = compilePath(spec.path);
  return (json) => {
    const raw = evaluatePath(path, json)[0]?.value;
    if (spec.format !== "iso") {
      const n = typeof raw === "number" ? raw : typeof raw === "string" ? parseDecimal(raw) : undefined;
      if (n === undefined || !Number.isFinite(n)) return undefined;
      return spec.format === "epoch_s" ? n * 1000 : n;
    }
    if (typeof raw !== "string") return undefined;
    const dt = DateTime.fromISO(raw, spec.zone ? { zone: spec.zone } : { setZone: true });
    return dt.isValid ? dt.toMillis() : undefined;
  };
}

export const mappingOrigin = (source: SourceRef | undefined, name: string | undefined): RuleOrigin => ({ kind: "mapping", source, name });
