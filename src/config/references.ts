import { checkTankRangeReferences } from "../alerts/tank-range.js";
import { checkAlertReferences } from "./checks/alert-references.js";
import { checkBroker } from "./checks/broker-files.js";
import { checkNotify } from "./checks/notify-references.js";
import type { Issue } from "../config-kit/issues.js";
import type { Loaded } from "./load.js";

/**
 * Checks that need the configuration and every rules file together (a monitor naming a
 * recipient, an appliance naming a device). Each part of Hearth adds its own check here; all
 * of them run before anything connects, and every problem is reported with its position.
 */
export function checkReferences(loaded: Loaded): Issue[] {
  return [
    ...checkAlertReferences(loaded),
    ...checkTankRangeReferences(loaded.rules.monitors, loaded.rules.tanks),
    ...checkBroker(loaded),
    ...checkNotify(loaded),
  ];
}
