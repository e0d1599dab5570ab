import type { RejectReason } from "./sample.js";
import { KNOWN_UNITS } from "./units.js";

/**
 * Reading one number out of whatever a device sent: a JSON number, a numeric string, a number
 * with a known unit ("21.5 °C"), or a state word that means 1 or 0.
 */
export type Reading = { ok: true; value: number; unit?: string; state?: string } | { ok: false; reason: RejectReason | "null"; detail: string };

/**
 * State words and their numbers, keyed lower-case (matching ignores case: Tasmota sends
 * "Online", ESPHome "online", openHAB "ON"). A Map, because the word comes from the wire: as
 * a key of a plain object, "constructor" or "toString" would find the object's own methods.
 */
export type StateTable = ReadonlyMap<string, number>;

/** A state table from words and numbers, the words lower-cased. */
export const stateWords = (words: Readonly<Record<string, number>>): StateTable => new Map(Object.entries(words).map(([k, v]) => [k.toLowerCase(), v]));

export const NO_STATES: StateTable = new Map();

/** The state words every device family uses. */
export const DEFAULT_STATES: StateTable = stateWords({
  on: 1,
  off: 0,
  true: 1,
  false: 0,
  online: 1,
  offline: 0,
  home: 1,
  not_home: 0,
  open: 1,
  closed: 0,
});

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const NUMBER_WITH_UNIT = /^([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S(?:[^\n]{0,14}\S)?)$/;
const NOT_A_NUMBER = /^[-+]?nan$/i;
const INFINITE = /^[-+]?(inf|infinity)$/i;

const quoted = (t: string) => JSON.stringify(t.length > 40 ? `${t.slice(0, 37)}...` : t);

/**
 * A number written as text, strictly: decimal digits with an optional sign, point and
 * exponent, nothing else ("0x1F", "1_000", "12abc" and "" are not numbers, though Number()
 * reads the first two and the last). Undefined when the text is not one.
 */
export function parseDecimal(text: string): number | undefined {
  const t = text.trim();
  return NUMBER.test(t) ? Number(t) : undefined;
}

const notFinite = (detail: string): Reading => ({ ok: false, reason: "not_finite", detail: `${detail} is not a finite number` });

/** Interprets a decoded JSON value (or a whole text payload) as a reading. */
export function readValue(raw: unknown, states: StateTable = DEFAULT_STATES): Reading {
  switch (typeof raw) {
    case "number":
      if (Number.isNaN(raw)) return { ok: false, reason: "nan", detail: "NaN" };
      return Number.isFinite(raw) ? { ok: true, value: raw } : notFinite(String(raw));
    case "boolean":
      return { ok: true, value: raw ? 1 : 0, state: String(raw) };
    case "string":
      return readText(raw, states);
    case "undefined":
      return { ok: false, reason: "null", detail: "missing" };
    case "object":
      if (raw === null) return { ok: false, reason: "null", detail: "null" };
      return { ok: false, reason: "wrong_type", detail: Array.isArray(raw) ? "a list, not a number" : "an object, not a number" };
    default:
      return { ok: false, reason: "wrong_type", detail: typeof raw };
  }
}

function readText(text: string, states: StateTable): Reading {
  const t = text.trim();
  if (t.length === 0) return { ok: false, reason: "empty", detail: "empty text" };
  if (NUMBER.test(t)) return finite(Number(t), t, undefined);
  if (NOT_A_NUMBER.test(t)) return { ok: false, reason: "nan", detail: JSON.stringify(t) };
  if (INFINITE.test(t)) return notFinite(JSON.stringify(t));
  const state = states.get(t.toLowerCase());
  if (state !== undefined) return { ok: true, value: state, state: t };
  const m = NUMBER_WITH_UNIT.exec(t);
  if (m && KNOWN_UNITS.has(m[2]!)) return finite(Number(m[1]), t, m[2]);
  return { ok: false, reason: "wrong_type", detail: `${quoted(t)} is not a number, a number with a known unit, or a known state` };
}

/** "1e999" matches the grammar of a number and is Infinity: refused, never stored or sent. */
function finite(value: number, text: string, unit: string | undefined): Reading {
  if (!Number.isFinite(value)) return notFinite(quoted(text));
  return unit === undefined ? { ok: true, value } : { ok: true, value, unit };
}

/** A homeowner's own state words, or the built-in ones. */
export const stateTable = (states: Readonly<Record<string, number>> | undefined): StateTable => (states ? stateWords(states) : DEFAULT_STATES);
