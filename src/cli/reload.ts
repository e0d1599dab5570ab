import { formatIssue } from "../config-kit/issues.js";
import { loadAll } from "../config/load.js";
import { checkReferences } from "../config/references.js";
import { describeError } from "../kit/errors.js";
import type { Hub } from "../hub.js";
import type { Logger } from "../kit/log.js";
import type { ConfigOptions } from "./options.js";

/**
 * Reloads one at a time: a SIGHUP arriving while a watched file's change is being applied waits
 * for it, so two reloads never interleave.
 */
export function serialReloader(hub: Hub, opts: ConfigOptions, log: Logger): (why: string) => Promise<boolean> {
  let chain: Promise<boolean> = Promise.resolve(true);
  return (why) => (chain = chain.then(() => reloadFromDisk(hub, opts, log, why)));
}

/**
 * Reads the configuration and rules again and puts them in force. An invalid change is logged
 * with every problem's position and the running configuration stays as it was.
 */
async function reloadFromDisk(hub: Hub, opts: ConfigOptions, log: Logger, why: string): Promise<boolean> {
  log.info({ trigger: why }, `Reloading configuration (${why})`);
  const result = loadAll({ configFile: opts.config, rulesDir: opts.rules, check: checkReferences });
  if (!result.ok) {
    for (const issue of result.issues) log.error({ code: "HEARTH_E_RELOAD_REJECTED" }, formatIssue(issue));
    log.error(
      { code: "HEARTH_E_RELOAD_REJECTED", problems: result.issues.length, trigger: why },
      `Reload rejected: ${result.issues.length} problem(s); the last good configuration stays in force`,
    );
    return false;
  }
  try {
    await hub.reload(result.loaded);
    return true;
  } catch (err) {
    log.error({ err: describeError(err), trigger: why }, "Reload failed while applying the new configuration");
    return false;
  }
}
