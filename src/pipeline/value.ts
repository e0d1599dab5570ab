import type { RejectReason } from "./sample.js";

/**
 * Reading one number out of whatever a device sent: a JSON number, a numeric string, a number
 * with its unit ("21.5 °C"), or a state word that means 1 or 0.
 */
export type Reading =
  | { ok: true; value: number; unit?: string; state?: string }
  | { ok: false; reason: RejectReason | "null"; detail: string };

/**
 * The state words every device family uses, and what they mean as numbers. Lower-case keys:
 * matching ignores case (Tasmota sends "Online", ESPHome "online", openHAB "ON").
 */
export const DEFAULT_STATES: Readonly<Record<string, number>> = Object.freeze({
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
const NUMBER_WITH_UNIT = /^([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\d\s.+-][^\n]{0,15})$/;
const NOT_A_NUMBER = /^[-+]?(nan|inf|infinity)$/i;

/** Interprets a decoded JSON value (or a whole text payload) as a reading. */
export function readValue(raw: unknown, states: Readonly<Record<string, number>> = DEFAULT_STATES): Reading {
  switch (typeof raw) {
    case "number":
      return Number.isFinite(raw) ? { ok: true, value: raw } : { ok: false, reason: "nan", detail: String(raw) };
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

function readText(text: string, states: Readonly<Record<string, number>>): Reading {
  const t = text.trim();
  if (t.length === 0) return { ok: false, reason: "empty", detail: "empty text" };
  if (NUMBER.test(t)) return { ok: true, value: Number(t) };
  if (NOT_A_NUMBER.test(t)) return { ok: false, reason: "nan", detail: JSON.stringify(t) };
  const state = states[t.toLowerCase()];
  if (state !== undefined) return { ok: true, value: state, state: t };
  const m = NUMBER_WITH_UNIT.exec(t);
  if (m) return { ok: true, value: Number(m[1]), unit: m[2]!.trim() };
  return { ok: false, reason: "wrong_type", detail: `${JSON.stringify(t.length > 40 ? `${t.slice(0, 37)}...` : t)} is not a number or a known state` };
}

/** Lower-cases a homeowner's own state map so lookups ignore case like the built-in one. */
export const stateTable = (states: Record<string, number> | undefined): Readonly<Record<string, number>> =>
  states ? Object.fromEntries(Object.entries(states).map(([k, v]) => [k.toLowerCase(), v])) : DEFAULT_STATES;
