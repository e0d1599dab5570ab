import { HearthError } from "../../src/kit/errors.js";

/**
 * What differs between openHAB generations, as far as Hearth reads them (openhab-core at the
 * tags 2.5.0, 3.0.0, 3.4.5, 4.0.0, 5.0.0).
 *
 * - The event namespace: openHAB 2 publishes under `smarthome/items/…` (2.5.0
 *   org.eclipse.smarthome.core.items.events.ItemEventFactory, `smarthome/items/{itemName}/state`);
 *   openHAB 3 renamed it `openhab/items/…` (3.0.0 ItemEventFactory). A `topics=` filter in the
 *   wrong namespace gets nothing at all.
 * - Which event is one update, sent once whether or not the state changed:
 *   - 2.x and 3.x: ItemStateEvent on `…/state`, posted by whoever updates the item (a binding, a
 *     rule, AutoUpdateManager after a command); ItemUpdater then sets it, and GenericItem.applyState
 *     adds an ItemStateChangedEvent (`…/statechanged`) only when the state differs.
 *   - 4.0 and later: applyState posts ItemStateUpdatedEvent (`…/stateupdated`) on every update
 *     and, when the state differs, an ItemStateChangedEvent as well (openhab-core #3141, 4.0.0.M2).
 *     ItemStateEvent is still posted first, but it is the request, before the item accepts it.
 *   Following ItemStateChangedEvent as well would count every change twice on 4.x and miss the
 *   updates that keep their value on every version.
 */
export interface Dialect {
  /** openHAB's major version: 2, 3, 4, 5… */
  major: number;
  /** What `hearth check --probe` and the logs say ("2.x", "4.2.1"). */
  version: string;
  namespace: "smarthome" | "openhab";
  /** The event of one accepted update, and the last part of its topic. */
  update: { type: "ItemStateEvent"; topic: "state" } | { type: "ItemStateUpdatedEvent"; topic: "stateupdated" };
}

export const dialectOf = (major: number, version: string): Dialect => ({
  major,
  version,
  namespace: major < 3 ? "smarthome" : "openhab",
  update: major < 4 ? { type: "ItemStateEvent", topic: "state" } : { type: "ItemStateUpdatedEvent", topic: "stateupdated" },
});

/**
 * The REST API versions openHAB 2 answered with: "1" up to 2.4 (Eclipse SmartHome's RootBean),
 * "2" and then "3" during 2.5's development, "3" in the 2.5 releases (openhab-core 2.5.0
 * org.eclipse.smarthome.io.rest.internal.resources.beans.RootBean); none has runtimeInfo.
 */
const OPENHAB2_API_VERSIONS = new Set(["1", "2", "3"]);

/**
 * openHAB's version from its REST root. openHAB 3 and later answer
 * `{"version": "<API version>", "runtimeInfo": {"version": "4.2.1", …}, …}` (openhab-core 3.0.0
 * RootBean.RuntimeInfo, OpenHAB.getVersion()), so 3, 4 and 5 are told apart by
 * `runtimeInfo.version`; openHAB 2 answers only `{"version": "3", "links": […]}`.
 * Anything else is refused: guessing a namespace could leave the stream silent while the
 * instance reports ok.
 */
export function detectDialect(body: unknown, where: string): Dialect {
  const root = (typeof body === "object" && body !== null ? body : {}) as { version?: unknown; runtimeInfo?: { version?: unknown } };
  const runtime = root.runtimeInfo?.version;
  if (typeof runtime === "string") {
    const major = Number.parseInt(runtime, 10);
    if (Number.isInteger(major) && major >= 3) return dialectOf(major, runtime);
  } else if (typeof root.version === "string" && OPENHAB2_API_VERSIONS.has(root.version)) {
    return dialectOf(2, "2.x");
  }
  const seen = typeof runtime === "string" ? `runtimeInfo.version "${runtime}"` : `version ${JSON.stringify(root.version ?? null)} and no runtimeInfo`;
  throw new HearthError(
    "HEARTH_E_INTEGRATION_FAILED",
    `openHAB at ${where} answered with ${seen}: not openHAB 2, 3, 4 or 5, so Hearth cannot tell which event topics to follow`,
  );
}
