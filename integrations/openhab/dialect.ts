import { HearthError } from "../../src/kit/errors.js";

/**
 * What differs between openHAB generations, as far as Hearth reads them.
 *
 * - The event namespace: openHAB 2 publishes under `smarthome/items/…` (Eclipse SmartHome's
 *   topics, https://www.eclipse.org/smarthome/documentation/features/events.html and openHAB 2's
 *   docs developers/utils/events.md); openHAB 3 renamed it `openhab/items/…`
 *   (https://www.openhab.org/docs/developer/utils/events.html). The SSE `topics=` filter matches
 *   the topic as written, so a filter in the wrong namespace gets nothing at all.
 * - Which event is an accepted update: openHAB 4 added ItemStateUpdatedEvent (…/stateupdated)
 *   and made ItemStateEvent (…/state) a request sent before the item takes the state
 *   (openhab-core #3141). Before 4, ItemStateEvent is the only event of an update that does not
 *   change the state, so it is read as the state.
 */
export interface Dialect {
  /** openHAB's major version: 2, 3, 4, 5… */
  major: number;
  /** What `hearth check --probe` and the logs say ("2.x", "4.2.1"). */
  version: string;
  namespace: "smarthome" | "openhab";
  /** ItemStateEvent carries the state an item takes (before openHAB 4). */
  stateEventIsUpdate: boolean;
}

export const dialectOf = (major: number, version: string): Dialect => ({
  major,
  version,
  namespace: major < 3 ? "smarthome" : "openhab",
  stateEventIsUpdate: major < 4,
});

/**
 * openHAB's version from its REST root. openHAB 3 and later answer
 * `{"version": "<API version>", "runtimeInfo": {"version": "4.2.1", …}, …}` (openhab-core
 * RootBean, runtimeInfo since openhab-core #1570); openHAB 2 answers only
 * `{"version": "1", "links": […]}` (openhab-core 2.5 org.eclipse.smarthome.io.rest RootBean).
 * Anything else is refused: guessing a namespace could leave the stream silent while the
 * instance reports ok.
 */
export function detectDialect(body: unknown, where: string): Dialect {
  const root = (typeof body === "object" && body !== null ? body : {}) as { version?: unknown; runtimeInfo?: { version?: unknown } };
  const runtime = root.runtimeInfo?.version;
  if (typeof runtime === "string") {
    const major = Number.parseInt(runtime, 10);
    if (Number.isInteger(major) && major >= 3) return dialectOf(major, runtime);
  } else if (root.version === "1") {
    return dialectOf(2, "2.x");
  }
  const seen = typeof runtime === "string" ? `runtimeInfo.version "${runtime}"` : `version ${JSON.stringify(root.version ?? null)} and no runtimeInfo`;
  throw new HearthError("HEARTH_E_INTEGRATION_FAILED", `openHAB at ${where} answered with ${seen}: not openHAB 2, 3, 4 or 5, so Hearth cannot tell which event topics to follow`);
}
