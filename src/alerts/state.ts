import { breaches, type Comparator } from "./query.js";

/** A monitor group's state, as Datadog names them (docs/datadog-semantics.md §3.3) and docs/design.md's replay output spells them. */
export type AlertState = "OK" | "WARN" | "ALERT" | "NO_DATA";

export interface Thresholds {
  critical: number;
  warning?: number | undefined;
  critical_recovery?: number | undefined;
  warning_recovery?: number | undefined;
}

/**
 * With a recovery threshold, a value must pass it to recover (docs/datadog-semantics.md §3.3):
 * for `>` T the recovery condition is `<=` recovery, for `>=` it is `<`, and so on.
 */
export function passesRecovery(value: number, comparator: Comparator, recovery: number): boolean {
  switch (comparator) {
    case ">":
      return value <= recovery;
    case ">=":
      return value < recovery;
    case "<":
      return value >= recovery;
    case "<=":
      return value > recovery;
  }
}

/**
 * The level a value calls for. `current` matters only for recovery thresholds: a monitor in
 * ALERT stays there until the value passes `critical_recovery`, and one in WARN (or coming down
 * from ALERT) stays in WARN until it passes `warning_recovery`.
 */
export function levelFor(value: number, comparator: Comparator, t: Thresholds, current: AlertState): "OK" | "WARN" | "ALERT" {
  if (breaches(value, comparator, t.critical)) return "ALERT";
  if (current === "ALERT" && t.critical_recovery !== undefined && !passesRecovery(value, comparator, t.critical_recovery)) return "ALERT";
  if (t.warning !== undefined && breaches(value, comparator, t.warning)) return "WARN";
  if ((current === "WARN" || current === "ALERT") && t.warning_recovery !== undefined && !passesRecovery(value, comparator, t.warning_recovery)) return "WARN";
  return "OK";
}

const SEVERITY = { OK: 0, WARN: 1, ALERT: 2 } as const;

/** When the observed level first reached WARN and ALERT, for as long as it has stayed there. */
export interface Hold {
  WARN?: number;
  ALERT?: number;
}

/**
 * `for` (beyond Datadog, like Prometheus' `for`): a monitor moves to a worse level only once the
 * observations have called for it continuously for `forMs`; it moves to a better level at once.
 * Updates `hold` in place and returns the level the monitor should be in.
 */
export function holdFor(observed: "OK" | "WARN" | "ALERT", current: AlertState, hold: Hold, now: number, forMs: number): "OK" | "WARN" | "ALERT" {
  for (const level of ["WARN", "ALERT"] as const) {
    if (SEVERITY[observed] >= SEVERITY[level]) hold[level] ??= now;
    else delete hold[level];
  }
  if (forMs <= 0) return observed;
  const base = current === "NO_DATA" ? "OK" : current;
  for (const level of ["ALERT", "WARN"] as const) {
    if (SEVERITY[level] > SEVERITY[observed]) continue;
    if (SEVERITY[level] <= SEVERITY[base] || now - hold[level]! >= forMs) return level;
  }
  return "OK";
}
