import type { Loaded, Sourced } from "../config/load.js";
import { HEARTH_CHECKS, HEARTH_PREFIX, type HearthCheck } from "./hearth-checks.js";
import type { HearthMonitor, Monitor } from "./monitor-schema.js";

const BUILT_IN = { file: "(built in)", line: 0, col: 0 };

function builtin(check: HearthCheck): Sourced<HearthMonitor> {
  return { type: "hearth", name: `${HEARTH_PREFIX}${check}`, tags: ["source:hearth"], recipients: [], calendars: [], thresholds: {}, enabled: true, source: BUILT_IN };
}

/** Who hears about Hearth itself: `notify.operators`, or every recipient. */
export const operatorsOf = ({ config }: Loaded): string[] => config.notify.operators ?? Object.keys(config.notify.recipients);

/**
 * The monitors the engine runs: those of rules/, and (when Hearth watches itself) a built-in
 * hearth.* monitor for every check no rules entry of the same name replaces. A hearth monitor
 * turned off (`enabled: false`) does not run, nor does a metric monitor with `evaluate: datadog`; one that names no recipients tells the operators.
 * Without self-watching (`hearth replay`), hearth monitors are left out.
 */
export function monitorsToRun(loaded: Loaded, watchSelf: boolean): Sourced<Monitor>[] {
  // A monitor that Datadog alone evaluates is created there by `hearth datadog apply`, so it notifies once.
  const rules = loaded.rules.monitors.filter((m) => m.type !== "metric" || m.evaluate !== "datadog");
  if (!watchSelf) return rules.filter((m) => m.type !== "hearth");
  const named = new Set(rules.map((m) => m.name));
  const builtins = (Object.keys(HEARTH_CHECKS) as HearthCheck[]).filter((c) => !named.has(`${HEARTH_PREFIX}${c}`)).map(builtin);
  const operators = operatorsOf(loaded);
  return [...rules, ...builtins]
    .filter((m) => m.type !== "hearth" || m.enabled)
    .map((m) => (m.type === "hearth" && m.recipients.length === 0 ? { ...m, recipients: operators } : m));
}
