import type { Sourced } from "../config-kit/issues.js";
import { HEARTH_CHECKS, HEARTH_PREFIX, type HearthCheck } from "./hearth-checks.js";
import type { HearthMonitor, Monitor } from "./monitor-schema.js";
import type { AlertSettings } from "./settings.js";

const BUILT_IN = { file: "(built in)", line: 0, col: 0 };

function builtin(check: HearthCheck): Sourced<HearthMonitor> {
  return {
    type: "hearth",
    name: `${HEARTH_PREFIX}${check}`,
    tags: ["source:hearth"],
    recipients: [],
    calendars: [],
    thresholds: {},
    enabled: true,
    source: BUILT_IN,
  };
}

/**
 * The monitors the engine runs: those of rules/, and (when Hearth watches itself) a built-in
 * hearth.* monitor for every check no rules entry of the same name replaces. A hearth monitor
 * turned off (`enabled: false`) does not run, nor does a metric monitor with `evaluate: datadog`; one that names no recipients tells the operators.
 * Without self-watching (`hearth replay`), hearth monitors are left out.
 */
export function monitorsToRun(settings: AlertSettings, watchSelf: boolean): Sourced<Monitor>[] {
  // A monitor that Datadog alone evaluates is created there by `hearth datadog apply`, so it notifies once.
  const rules = settings.monitors.filter((m) => m.type !== "metric" || m.evaluate !== "datadog");
  if (!watchSelf) return rules.filter((m) => m.type !== "hearth");
  const named = new Set(rules.map((m) => m.name));
  const builtins = (Object.keys(HEARTH_CHECKS) as HearthCheck[]).filter((c) => !named.has(`${HEARTH_PREFIX}${c}`)).map(builtin);
  return [...rules, ...builtins]
    .filter((m) => m.type !== "hearth" || m.enabled)
    .map((m) => (m.type === "hearth" && m.recipients.length === 0 ? { ...m, recipients: [...settings.operators] } : m));
}
