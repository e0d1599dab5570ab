import { parseDecimal } from "../../pipeline/value.js";

/**
 * The part of Home Assistant's Jinja value templates that device discovery uses: the payload
 * (`{{ value }}`) or a path into its JSON (`{{ value_json.ENERGY.Today }}`,
 * `{{ value_json['ENERGY'].Yesterday }}`, `{{ value_json.data[0] }}`), followed by the filters
 * `float`, `int` (each with an optional default) and `round(n)`. Anything else is refused at
 * discovery time with the template in the message, rather than read wrongly later.
 */
type TemplateValue =
  { ok: true; value: unknown } | { ok: false; why: string; /** The path is not in this payload: nothing to read, not bad input. */ missing?: boolean };

export interface CompiledTemplate {
  usesJson: boolean;
  /** Where in the payload the template reads: the keys after value_json ([] for the whole payload). */
  path: readonly (string | number)[];
  apply(text: string, json: unknown): TemplateValue;
}

type Step = string | number;
type Filter = (v: unknown) => TemplateValue;

const WHOLE = /^\{\{-?\s*([\s\S]*?)\s*-?\}\}$/;
const ROOT = /^(value_json|value)\b/;
const ACCESS = /^(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\]|\[\s*(\d+)\s*\])/;
const FILTER = /^\|\s*(float|int|round)\s*(?:\(\s*([-+]?\d+(?:\.\d+)?)?\s*\))?/;

const toNumber = (v: unknown): number | undefined => {
  const n = typeof v === "number" ? v : typeof v === "string" ? parseDecimal(v) : undefined;
  return n !== undefined && Number.isFinite(n) ? n : undefined;
};

function filterOf(name: string, arg: number | undefined): Filter {
  if (name === "round") {
    const digits = arg ?? 0;
    return (v) => {
      const n = toNumber(v);
      return n === undefined ? { ok: false, why: `round of ${JSON.stringify(v)}` } : { ok: true, value: Math.round(n * 10 ** digits) / 10 ** digits };
    };
  }
  // float/int: Jinja gives the default (0 unless given) for what is not a number; like Home Assistant, so do we.
  const whole = name === "int";
  return (v) => {
    const n = toNumber(v) ?? arg ?? (v === undefined || v === null ? undefined : 0);
    if (n === undefined) return { ok: true, value: v };
    return { ok: true, value: whole ? Math.trunc(n) : n };
  };
}

export function compileTemplate(template: string): CompiledTemplate | { error: string } {
  const refused = {
    error: `value_template ${JSON.stringify(template)} is not supported: Hearth reads {{ value }}, {{ value_json.a.b }} or {{ value_json['a'][0] }}, with the filters float, int and round`,
  };
  const whole = WHOLE.exec(template.trim());
  if (!whole) return refused;
  let rest = whole[1]!;
  const root = ROOT.exec(rest);
  if (!root) return refused;
  const usesJson = root[1] === "value_json";
  rest = rest.slice(root[0].length).trimStart();
  const path: Step[] = [];
  for (let m = ACCESS.exec(rest); usesJson && m; m = ACCESS.exec(rest)) {
    path.push(m[4] !== undefined ? Number(m[4]) : (m[1] ?? m[2] ?? m[3])!);
    rest = rest.slice(m[0].length).trimStart();
  }
  const filters: Filter[] = [];
  for (let m = FILTER.exec(rest); m; m = FILTER.exec(rest)) {
    filters.push(filterOf(m[1]!, m[2] === undefined ? undefined : Number(m[2])));
    rest = rest.slice(m[0].length).trimStart();
  }
  if (rest.length > 0) return refused;
  const where = path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("");
  return {
    usesJson,
    path,
    apply(text, json) {
      let v: unknown = usesJson ? json : text;
      for (const step of path) {
        if (v === null || typeof v !== "object") return { ok: false, why: `value_json${where} is missing`, missing: true };
        // Own keys only: a template naming `constructor` must not find a method of every object.
        v = Object.hasOwn(v, step) ? (v as Record<string | number, unknown>)[step] : undefined;
      }
      if (v === undefined) return { ok: false, why: `value_json${where} is missing`, missing: true };
      for (const f of filters) {
        const r = f(v);
        if (!r.ok) return r;
        v = r.value;
      }
      return { ok: true, value: v };
    },
  };
}
