import { ERRORS } from "../kit/errors.js";
import { formatIssue } from "../config-kit/issues.js";
import { loadAll, type Loaded } from "../config/load.js";
import { checkReferences } from "../config/references.js";
import type { ConfigOptions } from "./options.js";

/** Loads and validates everything; prints every problem with its position and returns undefined when there are any. */
export function loadOrReport(opts: ConfigOptions, out: NodeJS.WritableStream = process.stderr): Loaded | undefined {
  const result = loadAll({ configFile: opts.config, rulesDir: opts.rules, check: checkReferences });
  if (result.ok) return result.loaded;
  for (const issue of result.issues) out.write(`${formatIssue(issue)}\n`);
  const n = result.issues.length;
  out.write(`hearth: ${n} problem${n === 1 ? "" : "s"} in the configuration and rules (HEARTH_E_CONFIG_INVALID: ${ERRORS.HEARTH_E_CONFIG_INVALID.fix})\n`);
  return undefined;
}
