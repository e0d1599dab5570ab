import { suggestion, type Issue } from "../config-kit/issues.js";
import type { Sourced } from "../config-kit/issues.js";
import type { Tank } from "../house/schema.js";
import { tankTargets } from "../house/tanks.js";
import type { Monitor, TankRangeMonitor } from "./monitor-schema.js";

export type TankReading = TankRangeMonitor["reading"];

/** The range one tank's reading is judged against, and how a message names it. */
export interface TankRange {
  min: number;
  /** Infinity for a level, which only has a refill mark below. */
  max: number;
  /** "the lettuce range", "tank1's own range", "the refill mark". */
  of: string;
  crop: string | undefined;
  /** The reading's unit as messages print it ("" for pH). */
  unit: string;
}

/** The metric the tank rules (src/house/tanks.ts) publish each reading as. */
export const TANK_METRIC: Readonly<Record<TankReading, string>> = { ph: "hydro.ph", ec: "hydro.ec", level: "hydro.level" };
export const READING_NAME: Readonly<Record<TankReading, string>> = { ph: "pH", ec: "EC", level: "level" };
const WHAT_IS_MISSING: Readonly<Record<TankReading, string>> = { ph: "a crop or a ph_range", ec: "a crop or an ec_range", level: "refill_below" };

/** A tank's range for a reading: its own ph_range/ec_range, else its crop's; for level its refill_below. Undefined when it has none. */
export function tankRange(name: string, t: Tank, reading: TankReading): TankRange | undefined {
  if (t[reading] === undefined) return undefined;
  if (reading === "level")
    return t.refill_below === undefined ? undefined : { min: t.refill_below, max: Infinity, of: "the refill mark", crop: t.crop, unit: t.level!.unit ?? "" };
  const target = tankTargets(t)[reading];
  if (!target) return undefined;
  const own = reading === "ph" ? t.ph_range : t.ec_range;
  return { ...target, of: own ? `${name}'s own range` : `the ${t.crop} range`, crop: t.crop, unit: reading === "ec" ? "mS/cm" : "" };
}

/** The tanks a monitor watches, each with its range: those it names, or every tank with a range for the reading. */
export function watchedTanks(def: Pick<TankRangeMonitor, "reading" | "tanks">, tanks: ReadonlyMap<string, Tank>): Map<string, TankRange> {
  const out = new Map<string, TankRange>();
  for (const name of def.tanks ?? tanks.keys()) {
    const t = tanks.get(name);
    const range = t && tankRange(name, t, def.reading);
    if (range) out.set(name, range);
  }
  return out;
}

/** The default hysteresis: a tenth of a pH or of a mS/cm; a level's unit is the sensor's, so none. */
export const hysteresisOf = (def: Pick<TankRangeMonitor, "reading" | "hysteresis">): number => def.hysteresis ?? (def.reading === "level" ? 0 : 0.1);

/**
 * `hearth check` for tank_range monitors: every tank named exists and has the reading and a range
 * for it, some tank is watched at all, and the warning margin and hysteresis leave the range a
 * middle to recover into.
 */
export function checkTankRangeReferences(monitors: readonly Sourced<Monitor>[], tanks: ReadonlyMap<string, Tank>): Issue[] {
  const issues: Issue[] = [];
  for (const m of monitors) {
    if (m.type !== "tank_range") continue;
    const say = (message: string) => issues.push({ ...m.source, message: `monitor "${m.name}": ${message}` });
    const what = READING_NAME[m.reading];
    for (const name of m.tanks ?? []) {
      const t = tanks.get(name);
      if (!t) say(`no tank named "${name}"${suggestion(name, tanks.keys())}`);
      else if (t[m.reading] === undefined) say(`tank "${name}" has no ${m.reading} reading`);
      else if (!tankRange(name, t, m.reading)) say(`tank "${name}" has no ${what} range to watch: give it ${WHAT_IS_MISSING[m.reading]}`);
    }
    const watched = watchedTanks(m, tanks);
    if (!m.tanks && watched.size === 0) say(`no tank has a ${what} range to watch: give a tank with a ${m.reading} reading ${WHAT_IS_MISSING[m.reading]}`);
    const inner = (m.warning_margin ?? 0) + hysteresisOf(m);
    for (const [name, r] of watched) {
      if (r.max !== Infinity && 2 * inner >= r.max - r.min)
        say(
          `warning_margin and hysteresis (${inner} together) leave nothing of ${name}'s range ${r.min}–${r.max} to recover into; keep them under ${(r.max - r.min) / 2} together`,
        );
    }
  }
  return issues;
}
