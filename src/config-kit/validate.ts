import { z } from "zod";
import type { Issue, SourceRef } from "./issues.js";
import { suggestion } from "./issues.js";

/** Finds where a path was written; `key: true` asks for the key rather than its value. */
export type Locator = (path: readonly PropertyKey[], opts?: { key?: boolean }) => SourceRef;

type ZodIssue = z.core.$ZodIssue & { input?: unknown };

/**
 * Validates `value` against `schema` and turns every zod issue into a positioned, readable
 * message. Nothing is thrown: a caller collects the issues of all files and reports them at once.
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, locate: Locator): { data?: z.output<S>; issues: Issue[] } {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return { data: result.data, issues: [] };
  const issues = (result.error.issues as ZodIssue[]).flatMap((i) => toIssues(schema, value, i, [], locate));
  return { issues };
}

function toIssues(root: z.ZodType, value: unknown, issue: ZodIssue, base: PropertyKey[], locate: Locator): Issue[] {
  const path = [...base, ...issue.path];
  const where = path.length ? `${dotted(path)}: ` : "";
  const at = (p: readonly PropertyKey[], key = false) => locate(p, { key });
  const describe = describer(secretAt(root, path, value));
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = objectKeysAt(root, path, value);
      return issue.keys.map((k) => ({
        ...at([...path, k], true),
        message: `${where}unknown key "${k}"${suggestion(k, known)}`,
      }));
    }
    case "invalid_type":
      if (issue.input === undefined) return [{ ...at(path), message: `${dotted(path) || "value"} is required` }];
      return [{ ...at(path), message: `${where}expected ${typeName(issue.expected)}, got ${describe(issue.input)}` }];
    case "invalid_value": {
      const options = issue.values.map((v) => JSON.stringify(v)).join(", ");
      const hint = typeof issue.input === "string" ? suggestion(issue.input, issue.values.map(String)) : "";
      return [{ ...at(path), message: `${where}expected one of ${options}, got ${describe(issue.input)}${hint}` }];
    }
    case "invalid_union": {
      const u = issue as ZodIssue & { discriminator?: string; options?: unknown[]; errors: ZodIssue[][] };
      if (u.discriminator) {
        // An option whose discriminator has a default (a monitor's `type`) lists undefined: not a value anyone writes.
        const options = (u.options ?? []).filter((o) => o !== undefined && o !== null).map(String);
        const got = (issue.input as Record<string, unknown> | undefined)?.[u.discriminator];
        const hint = typeof got === "string" ? suggestion(got, options) : "";
        const tail = got === undefined ? "is required" : `must be one of ${options.map((o) => `"${o}"`).join(", ")}, got ${describe(got)}${hint}`;
        const p = path[path.length - 1] === u.discriminator ? path : [...path, u.discriminator];
        return [{ ...at(p), message: `${dotted(p)} ${tail}` }];
      }
      return unionIssues(root, value, u.errors, path, where, issue.input, locate);
    }
    case "invalid_key": {
      // A name the homeowner picked (an appliance, a person) that is not a valid name: say which and why.
      const inner = (issue as ZodIssue & { issues?: ZodIssue[] }).issues?.[0]?.message ?? issue.message;
      const section = dotted(path.slice(0, -1));
      return [{ ...at(path, true), message: `${section ? `${section}: ` : ""}"${String(path[path.length - 1])}": ${inner}` }];
    }
    case "too_small":
    case "too_big": {
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const inclusive = issue.inclusive !== false;
      const word = issue.code === "too_small" ? (inclusive ? "at least" : "more than") : inclusive ? "at most" : "less than";
      if (issue.code === "too_small" && issue.origin === "string" && Number(bound) === 1) return [{ ...at(path), message: `${where}must not be empty` }];
      const what = issue.origin === "string" ? " characters" : issue.origin === "array" ? " items" : "";
      return [{ ...at(path), message: `${where}must be ${word} ${String(bound)}${what}, got ${describe(issue.input)}` }];
    }
    default:
      return [
        {
          ...at(path),
          message: `${where}${issue.message}${issue.input !== undefined && issue.code === "invalid_format" ? `, got ${describe(issue.input)}` : ""}`,
        },
      ];
  }
}

/**
 * A value matched none of a union's shapes. Report the branch that got furthest (one whose
 * problems are not merely "wrong type at the top"); when every branch failed on the type,
 * list the types that would have been accepted.
 */
function unionIssues(root: z.ZodType, value: unknown, branches: ZodIssue[][], path: PropertyKey[], where: string, input: unknown, locate: Locator): Issue[] {
  const describe = describer(secretAt(root, path, value));
  // A literal branch (`true`) fails with invalid_value: as much "the wrong kind of value" as a type.
  const typeOnly = (b: ZodIssue[]) => b.length === 1 && (b[0]!.code === "invalid_type" || b[0]!.code === "invalid_value") && b[0]!.path.length === 0;
  const deeper = branches.filter((b) => !typeOnly(b));
  if (deeper.length > 0) {
    const best = deeper.reduce((a, b) => (b.length < a.length ? b : a));
    return best.flatMap((i) => toIssues(root, value, i, path, locate));
  }
  if (input === undefined) return [{ ...locate(path), message: `${dotted(path) || "value"} is required` }];
  const expected = [
    ...new Set(
      branches.map((b) =>
        b[0]!.code === "invalid_value"
          ? b[0]!.values.map((v) => JSON.stringify(v)).join(" or ")
          : typeName((b[0] as { expected?: string }).expected ?? "value"),
      ),
    ),
  ];
  return [{ ...locate(path), message: `${where}expected ${expected.join(" or ")}, got ${describe(input)}` }];
}

const TYPE_NAMES: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a map of keys",
  array: "a list",
  record: "a map of keys",
};

const typeName = (t: string): string => TYPE_NAMES[t] ?? t;

export function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "an empty value";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return "a list";
  return "a map";
}

/**
 * How a value that failed is shown: never itself when the schema marks its key secret
 * (`writeOnly`, see Secret in common.ts), whatever went wrong with it. An all-digit key from
 * `${VAR}` becomes a number, and the message would otherwise print the key.
 */
const describer = (secret: boolean): ((v: unknown) => string) => (secret ? describeSecret : describe);

function describeSecret(v: unknown): string {
  if (v === undefined || v === null) return describe(v);
  const kind =
    typeof v === "string" ? "text" : typeof v === "number" ? "a number" : typeof v === "boolean" ? "true or false" : Array.isArray(v) ? "a list" : "a map";
  const hint = typeof v === "number" || typeof v === "boolean" ? '; quote it ("${VAR}") if it is meant as text' : "";
  return `${kind} (not shown: a secret${hint})`;
}

const isSecret = (s: z.ZodType): boolean => layers(s).some((l) => z.globalRegistry.get(l)?.writeOnly === true);

/** Whether the value at `path` is, or is inside, a key the schema marks secret, on any branch of a union. */
function secretAt(schema: z.ZodType, path: readonly PropertyKey[], value: unknown): boolean {
  if (isSecret(schema)) return true;
  const d = defOf(unwrap(schema));
  if (d.type === "union" && d.options) return d.options.some((o) => secretAt(o, path, value) || (path.length === 0 && holdsSecret(o)));
  if (path.length === 0) return false;
  const [seg, ...rest] = path;
  const next =
    typeof value === "object" && value !== null && Object.hasOwn(value, seg as string) ? (value as Record<PropertyKey, unknown>)[seg as string] : undefined;
  if (d.type === "object" && d.shape) return Object.hasOwn(d.shape, String(seg)) && secretAt(d.shape[String(seg)]!, rest, next);
  if (d.type === "array" && d.element) return secretAt(d.element, rest, next);
  if (d.type === "record" && d.valueType) return secretAt(d.valueType, rest, next);
  return false;
}

/** A map with a secret key: a value given in its place (`gotify: ${TOKEN}` where `{token: …}` was meant) is likely that secret. */
function holdsSecret(schema: z.ZodType): boolean {
  const d = defOf(unwrap(schema));
  return d.type === "object" && d.shape !== undefined && Object.values(d.shape).some(isSecret);
}

export const dotted = (path: readonly PropertyKey[]): string =>
  path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");

/* ---- walking a zod schema to find the keys allowed at a path (for "did you mean") ---- */

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  values?: unknown[];
  getter?: () => z.ZodType;
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** A schema and the schemas it wraps (optional, default, pipe…), outermost first. */
function layers(s: z.ZodType): z.ZodType[] {
  const out = [s];
  for (;;) {
    const d = defOf(s);
    if (d.innerType && ["optional", "nullable", "default", "prefault", "readonly", "catch", "nonoptional"].includes(d.type)) s = d.innerType;
    else if (d.type === "pipe" && d.in) s = d.in;
    else if (d.type === "lazy" && d.getter) s = d.getter();
    else return out;
    out.push(s);
  }
}

const unwrap = (s: z.ZodType): z.ZodType => layers(s).at(-1)!;

function objectKeysAt(schema: z.ZodType, path: readonly PropertyKey[], value: unknown): string[] {
  const s = unwrap(schema);
  const d = defOf(s);
  if (d.type === "union" && d.options) {
    const at = value as Record<string, unknown> | undefined;
    const options = d.options.filter((o) => {
      if (!d.discriminator || at === undefined || typeof at !== "object") return true;
      const field = defOf(unwrap(o)).shape?.[d.discriminator];
      if (at[d.discriminator] === undefined) return field !== undefined && ["optional", "default", "prefault"].includes(defOf(field).type);
      const lit = defOf(unwrap(field ?? o));
      return lit.values?.includes(at[d.discriminator]) ?? true;
    });
    return [...new Set(options.flatMap((o) => objectKeysAt(o, path, value)))];
  }
  if (path.length === 0) return d.type === "object" && d.shape ? Object.keys(d.shape) : [];
  const [seg, ...rest] = path;
  const next = (value as Record<PropertyKey, unknown> | undefined)?.[seg as string];
  if (d.type === "object" && d.shape) {
    const child = d.shape[String(seg)];
    return child ? objectKeysAt(child, rest, next) : [];
  }
  if (d.type === "array" && d.element) return objectKeysAt(d.element, rest, next);
  if (d.type === "record" && d.valueType) return objectKeysAt(d.valueType, rest, next);
  return [];
}
