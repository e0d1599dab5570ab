import fs from "node:fs";
import { displayPath, suggestion, type Issue } from "../../config-kit/issues.js";
import type { Loaded } from "../load.js";

/**
 * Every recipient a monitor or calendar names must be one of notify.recipients in the
 * configuration, or its notifications would reach nobody: each unknown name is reported at the
 * monitor's or calendar's position, with the closest known name. The mail server's CA file must
 * be readable before anything starts.
 */
export function checkNotify(loaded: Loaded): Issue[] {
  const known = Object.keys(loaded.config.notify.recipients);
  const where = `notify.recipients in ${displayPath(loaded.configFile)}`;
  const issues: Issue[] = [];
  for (const [what, list] of [
    ["monitor", loaded.rules.monitors],
    ["calendar", loaded.rules.calendars],
  ] as const) {
    for (const item of list) {
      for (const name of item.recipients) {
        if (known.includes(name)) continue;
        const hint = suggestion(name, known) || (known.length ? ` (known: ${known.join(", ")})` : "");
        issues.push({ ...item.source, message: `${what} "${item.name}": no recipient named "${name}"${hint}; recipients are defined under ${where}` });
      }
    }
  }
  const ca = loaded.config.notify.smtp?.ca_file;
  if (ca !== undefined) {
    try {
      fs.accessSync(ca, fs.constants.R_OK);
    } catch (err) {
      issues.push({ file: loaded.configFile, line: 0, col: 0, message: `notify.smtp.ca_file: cannot read ${ca} (${(err as NodeJS.ErrnoException).code})` });
    }
  }
  return issues;
}
