import { checkBroker } from "../mqtt/check.js";
import { buildRuleSet } from "../pipeline/ruleset.js";
import type { Issue } from "./issues.js";
import type { Loaded } from "./load.js";

/**
 * Checks that need the configuration and every rules file together. Each part of Hearth adds
 * its own check here; all of them run before anything connects, and all problems are reported
 * at once with the position they came from.
 */
export function checkReferences(loaded: Loaded): Issue[] {
  return [...buildRuleSet(loaded.rules).issues, ...checkBroker(loaded)];
}
