import type { Sourced } from "../config-kit/issues.js";
import { twoPointLine } from "../pipeline/compile.js";
import { compilePath, evaluatePath, type CompiledPath } from "../pipeline/json-path.js";
import type { Message } from "../pipeline/message.js";
import type { CompiledRule, RuleOrigin, RuleOutput } from "../pipeline/rule.js";
import { NO_STATES, readValue } from "../pipeline/value.js";
import { CROP_PROFILES, type Range } from "./crops.js";
import type { Tank } from "./schema.js";

/**
 * The hydroponic tanks' readings as ingest rules, each normalised to one unit whatever the
 * probe sends: `hydro.ph`, `hydro.ec` (mS/cm, from µS/cm, mS/cm or ppm at the meter's 500 or
 * 700 factor), `hydro.water_temperature` (°C) and `hydro.level` (the sensor's own unit), tagged
 * `tank:<name>` and `crop:<crop>`. A reading no probe could give (a pH of 23, Atlas' -1023 °C
 * for a missing temperature probe) is rejected as out_of_range rather than passed on to alerts.
 */
type Conversion = (v: number) => number;

interface CompiledReading {
  metric: string;
  unit: string | undefined;
  path: CompiledPath | undefined;
  field: number | undefined;
  convert: Conversion;
  plausible: Range;
}

type ReadingSpec = NonNullable<Tank["ph"]>;

/** What a probe can physically report; outside it the reading is a fault, not water. */
const PLAUSIBLE = {
  ph: { min: 0, max: 14 },
  // An EC probe with K=1.0 reads up to 200 000 µS/cm (Atlas Scientific EZO-EC datasheet).
  ec: { min: 0, max: 200 },
  water_temperature: { min: -20, max: 100 },
  level: { min: -Infinity, max: Infinity },
} as const satisfies Record<string, Range>;

/** EC as Hearth reports it (mS/cm) from what meters send. TDS ppm = EC (mS/cm) × 500 or × 700, by meter. */
function ecToMsCm(unit: NonNullable<Tank["ec"]>["unit"], ppmFactor: number | undefined): Conversion {
  if (unit === "µS/cm" || unit === "uS/cm") return (v) => v / 1000;
  if (unit === "ppm") return (v) => v / ppmFactor!;
  return (v) => v;
}

const fahrenheitToCelsius: Conversion = (f) => ((f - 32) * 5) / 9;

function homeownerTransform(r: ReadingSpec): Conversion {
  const line = r.calibrate ? twoPointLine(r.calibrate) : (v: number) => v;
  const scale = r.scale ?? 1;
  const offset = r.offset ?? 0;
  return (v) => line(v) * scale + offset;
}

function compileReading(metric: string, r: ReadingSpec, unit: string | undefined, toUnit: Conversion, plausible: Range): CompiledReading {
  const own = homeownerTransform(r);
  return { metric, unit, path: r.path !== undefined ? compilePath(r.path) : undefined, field: r.field, convert: (v) => toUnit(own(v)), plausible };
}

function readingsOf(t: Tank): { topic: string; reading: CompiledReading }[] {
  const out: { topic: string; reading: CompiledReading }[] = [];
  const add = (spec: ReadingSpec | undefined, reading: (s: ReadingSpec) => CompiledReading) => {
    if (spec) out.push({ topic: spec.topic ?? t.topic!, reading: reading(spec) });
  };
  add(t.ph, (s) => compileReading("hydro.ph", s, "pH", (v) => v, PLAUSIBLE.ph));
  add(t.ec, (s) => compileReading("hydro.ec", s, "mS/cm", ecToMsCm(t.ec!.unit, t.ec!.ppm_factor), PLAUSIBLE.ec));
  add(t.water_temperature, (s) =>
    compileReading("hydro.water_temperature", s, "°C", t.water_temperature!.unit === "°F" ? fahrenheitToCelsius : (v) => v, PLAUSIBLE.water_temperature),
  );
  add(t.level, (s) => compileReading("hydro.level", s, t.level!.unit, (v) => v, PLAUSIBLE.level));
  return out;
}

/** Hydro readings are numbers: no ON/OFF vocabulary, so a probe's error text ("check probe") is rejected. */

function extractReading(r: CompiledReading, msg: Message, tags: string[], out: RuleOutput): void {
  let raw: unknown;
  if (r.path) {
    const json = msg.json();
    if (!json.ok) return void out.skips.push({ metric: r.metric, why: json.detail, reason: json.reason });
    raw = evaluatePath(r.path, json.value)[0]?.value;
  } else {
    const text = msg.text();
    if (!text.ok) return void out.skips.push({ metric: r.metric, why: text.detail, reason: text.reason });
    raw = text.value;
  }
  if (r.field !== undefined && raw !== undefined && raw !== null) {
    // A JSON object or array at the path is shown as its JSON, not as "[object Object]".
    const line = typeof raw === "string" ? raw : typeof raw === "number" || typeof raw === "boolean" ? String(raw) : JSON.stringify(raw);
    const fields = line.split(",");
    if (fields.length < r.field) return void out.skips.push({ metric: r.metric, why: `no field ${r.field} in ${JSON.stringify(line)}`, reason: "wrong_type" });
    raw = fields[r.field - 1];
  }
  const reading = readValue(raw, NO_STATES);
  if (!reading.ok) {
    if (reading.reason === "null") return void out.skips.push({ metric: r.metric, why: r.path ? `"${r.path.text}" is ${reading.detail}` : "payload is null" });
    return void out.skips.push({ metric: r.metric, why: reading.detail, reason: reading.reason });
  }
  const value = r.convert(reading.value);
  if (!(value >= r.plausible.min && value <= r.plausible.max)) {
    return void out.skips.push({
      metric: r.metric,
      why: `${value}${r.unit ? ` ${r.unit}` : ""} is not a reading a probe can give (${r.plausible.min} to ${r.plausible.max})`,
      reason: "out_of_range",
    });
  }
  out.drafts.push({ metric: r.metric, value, tags, kind: "gauge", unit: r.unit, time: msg.receivedAt, state: undefined });
}

export function tankRules(tanks: ReadonlyMap<string, Sourced<Tank>>): CompiledRule[] {
  const rules: CompiledRule[] = [];
  for (const [name, t] of tanks) {
    const origin: RuleOrigin = { kind: "house", section: "tanks", name, source: t.source };
    const tags = [`tank:${name}`, ...(t.crop ? [`crop:${t.crop}`] : [])];
    const byTopic = new Map<string, CompiledReading[]>();
    for (const { topic, reading } of readingsOf(t)) byTopic.set(topic, [...(byTopic.get(topic) ?? []), reading]);
    for (const [filter, readings] of byTopic) {
      rules.push({
        filter,
        origin,
        extract(msg, _captures, out) {
          for (const r of readings) extractReading(r, msg, tags, out);
        },
      });
    }
  }
  return rules;
}

/** A tank's target ranges for alerts: its own `ph_range` / `ec_range` where set, else its crop's profile. */
export function tankTargets(t: Tank): { ph: Range | undefined; ec: Range | undefined } {
  const profile = t.crop ? CROP_PROFILES[t.crop] : undefined;
  const range = (own: [number, number] | undefined, crop: Range | undefined) => (own ? { min: own[0], max: own[1] } : crop);
  return { ph: range(t.ph_range, profile?.ph), ec: range(t.ec_range, profile?.ec) };
}
