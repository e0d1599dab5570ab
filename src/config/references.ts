import { checkAlertReferences } from "../alerts/references.js";
import { checkTankRangeReferences } from "../alerts/tank-range.js";
import { checkBroker } from "../mqtt/check.js";
import { checkNotify } from "../notify/references.js";
import type { Issue } from "./issues.js";
import type { Loaded } from "./load.js";

/**
 * Checks that need the configuration and every rules file together (a monitor naming a
 * recipient, an appliance naming a device). Each part of Hearth adds its own check here; all
 * of them run before anything connects, and every problem is reported with its position.
 */
export function checkReferences(loaded: Loaded): Issue[] {
  return [...checkAlertReferences(loaded), ...checkTankRangeReferences(loaded), ...checkBroker(loaded), ...checkNotify(loaded)];
}
