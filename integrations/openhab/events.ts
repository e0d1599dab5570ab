import type { Dialect } from "./dialect.js";
import { toItem, type Item } from "./items.js";

/**
 * openHAB's event stream (`/rest/events`), one SSE `message` frame at a time. The frame's data
 * is JSON whose `payload` is itself a JSON string (openhab-core SseUtil.buildEvent, EventDTO).
 * Topics and payloads: openhab-core ItemEventFactory and
 * https://www.openhab.org/docs/developer/utils/events.html; openHAB 2's differences: dialect.ts.
 */
export type StreamEvent =
  | { kind: "state"; item: string; value: string }
  | { kind: "item"; item: Item }
  | { kind: "removed"; item: string }
  | { kind: "ignored"; why: string }
  | { kind: "malformed"; detail: string };

/**
 * The topics Hearth subscribes to, in the server's namespace: the one event of each update
 * (dialect.ts), and items coming and going. openHAB before 3.3 ends every filter with `.*`
 * (SseUtil.convertToRegex, anchored with `$` by openhab-core #2986), so on 2.x and early 3.x
 * `…/state` also brings `…/statechanged` and `…/statepredicted`: parseEvent leaves those out.
 */
export function eventTopics(d: Dialect): string {
  return [d.update.topic, "added", "updated", "removed"].map((a) => `${d.namespace}/items/*/${a}`).join(",");
}

const parse = (text: unknown): unknown => {
  if (typeof text !== "string") return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

/** Item state events that are not the version's one event of an update (dialect.ts), and why. */
const NOT_THE_UPDATE: ReadonlyMap<string, string> = new Map([
  ["ItemStateChangedEvent", "a change is also an update, read from the update's own event"],
  ["ItemStateEvent", "since openHAB 4 a request, before the item accepts the state"],
  ["ItemStatePredictedEvent", "a prediction after a command, not a state"],
]);

/**
 * One frame. The sample's time is its arrival: openHAB 5's `lastStateUpdate`/`lastStateChange`
 * in these payloads are the times of the update and change *before* this one (GenericItem
 * .applyState posts the events before setting them; ItemStateUpdatedEvent#getLastStateUpdate,
 * "the previous state update that occurred prior to this event").
 */
export function parseEvent(data: string, dialect: Dialect): StreamEvent {
  const frame = parse(data) as { topic?: unknown; payload?: unknown; type?: unknown } | undefined;
  if (!frame || typeof frame.topic !== "string" || typeof frame.type !== "string")
    return { kind: "malformed", detail: `not an openHAB event: ${data.slice(0, 80)}` };
  const parts = frame.topic.split("/");
  // openhab/items/<group>/<member>/stateupdated|statechanged is the group's own state, caused by
  // a member (GroupStateUpdatedEvent, GroupItemStateChangedEvent); the `*` of a filter matches
  // it too. Groups are not reported (their members are), so it is left out.
  if (parts[0] !== dialect.namespace || parts[1] !== "items" || parts.length !== 4) return { kind: "ignored", why: `${frame.type} on ${frame.topic}` };
  const name = parts[2]!;
  const payload = parse(frame.payload) as Record<string, unknown> | unknown[] | undefined;
  if (frame.type === dialect.update.type) {
    const p = payload as Record<string, unknown> | undefined;
    if (!p || typeof p.value !== "string") return { kind: "malformed", detail: `${frame.type} for ${name} without a value` };
    return { kind: "state", item: name, value: p.value };
  }
  switch (frame.type) {
    case "ItemAddedEvent": {
      const item = toItem(payload);
      return item ? { kind: "item", item } : { kind: "malformed", detail: `ItemAddedEvent for ${name} without an item` };
    }
    case "ItemUpdatedEvent": {
      const item = Array.isArray(payload) ? toItem(payload[0]) : undefined;
      return item ? { kind: "item", item } : { kind: "malformed", detail: `ItemUpdatedEvent for ${name} without an item` };
    }
    case "ItemRemovedEvent":
      return { kind: "removed", item: name };
    default: {
      const reason = NOT_THE_UPDATE.get(frame.type);
      return { kind: "ignored", why: `${frame.type} on ${frame.topic}${reason ? `: ${reason}` : ""}` };
    }
  }
}
