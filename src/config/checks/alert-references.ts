import { formatSource, suggestion, type Issue } from "../../config-kit/issues.js";
import type { Loaded } from "../load.js";

/**
 * Checks across rules files: monitor and calendar names are unique (a monitor's name is its
 * identity), and every calendar a monitor names exists.
 */
export function checkAlertReferences(loaded: Loaded): Issue[] {
  const issues: Issue[] = [];
  const { monitors, calendars } = loaded.rules;
  for (const [what, list] of [
    ["monitor", monitors],
    ["calendar", calendars],
  ] as const) {
    const seen = new Map<string, (typeof list)[number]["source"]>();
    for (const item of list) {
      const earlier = seen.get(item.name);
      if (earlier) issues.push({ ...item.source, message: `${what} "${item.name}" is already defined at ${formatSource(earlier)}` });
      else seen.set(item.name, item.source);
    }
  }
  const names = new Set(calendars.map((c) => c.name));
  for (const m of monitors) {
    for (const name of m.calendars) {
      if (!names.has(name)) issues.push({ ...m.source, message: `monitor "${m.name}": no calendar named "${name}"${suggestion(name, names)}` });
    }
  }
  return issues;
}
