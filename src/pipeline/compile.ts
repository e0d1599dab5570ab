import { DateTime } from "luxon";
import type { SourceRef } from "../config-kit/issues.js";
import { compilePath, evaluatePath, type CompiledPath } from "./json-path.js";
import { placeholdersOf, type Mapping, type SampleSpec } from "./mapping-schema.js";
import type { Message } from "./message.js";
import type { CompiledRule, Draft, RuleOrigin, RuleOutput } from "./rule.js";
import type { MetricKind } from "./sample.js";
import { parseDecimal, readValue, stateTable, type StateTable } from "./value.js";

/**
 * Renders `device:{device}` with a message's captures; a constant tag costs nothing per message.
 * Undefined when the tag uses one of `optional` (the captures of user properties) and the message
 * did not carry it: a tag with no value is left off rather than sent as `room:`.
 */
export type TagRenderer = (captures: Record<string, string>) => string | undefined;

export function compileTag(template: string, optional: ReadonlySet<string> = NO_NAMES): TagRenderer {
  const names = placeholdersOf(template);
  if (names.length === 0) return () => template;
  const needed = names.filter((n) => optional.has(n));
  const render = (c: Record<string, string>) => template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => c[name] ?? "");
  if (needed.length === 0) return render;
  return (c) => (needed.every((n) => c[n]) ? render(c) : undefined);
}

const NO_NAMES: ReadonlySet<string> = new Set();

/** Reads a mapping's `user_properties` from a message into captures of their own names. */
function userPropertyReader(props: Mapping["user_properties"]): ((msg: Message, captures: Record<string, string>) => Record<string, string>) | undefined {
  if (!props) return undefined;
  const pairs = Object.entries(props);
  return (msg, captures) => {
    const all = { ...captures };
    for (const [capture, property] of pairs) {
      const value = msg.userProperty(property);
      if (value !== undefined) all[capture] = value;
    }
    return all;
  };
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
  const fromProperties = new Set(Object.keys(m.user_properties ?? {}));
  const tag = (template: string) => compileTag(template, fromProperties);
  const ruleTags = m.tags.map(tag);
  const compiled: CompiledSpec[] = specs.map((s) => ({
    metric: s.metric,
    path: s.path !== undefined ? compilePath(s.path) : undefined,
    unit: s.unit,
    kind: s.kind,
    states: stateTable(s.states),
    transform: valueTransform(s),
    tags: [...ruleTags, ...s.tags.map(tag)],
  }));
  const needsJson = compiled.some((s) => s.path !== undefined) || m.time?.path !== undefined;
  const timeOf = m.time ? timeReader(m.time) : undefined;
  const withProperties = userPropertyReader(m.user_properties);

  return {
    filter: m.topic,
    origin,
    extract(msg: Message, topicCaptures: Record<string, string>, out: RuleOutput) {
      const captures = withProperties ? withProperties(msg, topicCaptures) : topicCaptures;
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
        const t = timeOf(msg, json);
        if (t.ok) [time, stamped] = [t.time, true];
        else out.skips.push({ metric: "(time)", why: `${t.why}, using the receive time`, ...(t.bad ? { reason: "bad_timestamp" as const } : {}) });
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
      if (reading.reason === "null") out.skips.push({ metric: spec.metric, why: spec.path ? `"${spec.path.text}" is ${reading.detail}` : "payload is null" });
      else out.skips.push({ metric: spec.metric, why: reading.detail, reason: reading.reason });
      continue;
    }
    const all = hit.captures ? { ...captures, ...hit.captures } : captures;
    const draft: Draft = {
      metric: spec.metric,
      value: spec.transform ? spec.transform(reading.value) : reading.value,
      tags: renderTags(spec.tags, all),
      kind: spec.kind,
      unit: spec.unit ?? reading.unit,
      time,
      state: reading.state,
      ...(stamped ? { stamped: true as const } : {}),
    };
    out.drafts.push(draft);
  }
}

function renderTags(renderers: readonly TagRenderer[], captures: Record<string, string>): string[] {
  const tags: string[] = [];
  for (const render of renderers) {
    const tag = render(captures);
    if (tag !== undefined) tags.push(tag);
  }
  return tags;
}

/** A message's own time, or why there is none; `bad` when it was there but unreadable (counted as bad_timestamp). */
type TimeRead = { ok: true; time: number } | { ok: false; why: string; bad: boolean };

/**
 * Where a mapping's `time` is read. A timestamp in the payload that is missing is bad input (the
 * mapping says the payload has one); a user property that is missing is not (a 3.1.1 device on
 * the same topic cannot send one), and the receive time is used without counting it.
 */
function timeReader(spec: NonNullable<Mapping["time"]>): (msg: Message, json: unknown) => TimeRead {
  const parse = timeParser(spec);
  if (spec.user_property !== undefined) {
    const name = spec.user_property;
    return (msg) => {
      const raw = msg.userProperty(name);
      if (raw === undefined) return { ok: false, why: `no user property "${name}"`, bad: false };
      const t = parse(raw);
      return t === undefined
        ? { ok: false, why: `user property "${name}" (${JSON.stringify(raw.slice(0, 40))}) is not an ${spec.format} time`, bad: true }
        : { ok: true, time: t };
    };
  }
  const path = compilePath(spec.path!);
  return (_msg, json) => {
    const t = parse(evaluatePath(path, json)[0]?.value);
    return t === undefined ? { ok: false, why: `no usable timestamp at "${spec.path}"`, bad: true } : { ok: true, time: t };
  };
}

function timeParser(spec: NonNullable<Mapping["time"]>): (raw: unknown) => number | undefined {
  return (raw) => {
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
