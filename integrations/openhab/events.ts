import { toItem, type Item } from "./items.js";

/**
 * openHAB's event stream (`/rest/events`), one SSE `message` frame at a time. The frame's data
 * is JSON whose `payload` is itself a JSON string (openhab-core SseUtil.buildEvent, EventDTO).
 * Topics and payloads: openhab-core ItemEventFactory and
 * https://www.openhab.org/docs/developer/utils/events.html.
 */
export type StreamEvent =
  | { kind: "state"; item: string; value: string; time: number | undefined }
  | { kind: "item"; item: Item }
  | { kind: "removed"; item: string }
  | { kind: "ignored"; why: string }
  | { kind: "malformed"; detail: string };

/** The topics Hearth subscribes to: every item's state changes and updates, and items coming and going. */
export const EVENT_TOPICS = ["statechanged", "stateupdated", "added", "updated", "removed"].map((e) => `openhab/items/*/${e}`).join(",");

const parse = (text: unknown): unknown => {
  if (typeof text !== "string") return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

/**
 * openHAB 5 puts `lastStateUpdate` / `lastStateChange` (and `lastUpdate` on stateupdated) in
 * the payload as ISO-8601 zoned times, e.g. `2025-04-02T21:59:16.1+02:00[Europe/Berlin]`
 * (AbstractEventFactory, DateTimeFormatter.ISO_ZONED_DATE_TIME); the `[zone]` suffix is not
 * something Date.parse reads, and the offset before it already fixes the instant.
 */
function eventTime(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value !== "string") return undefined;
  const t = Date.parse(value.replace(/\[[^\]]*\]$/, ""));
  return Number.isNaN(t) ? undefined : t;
}

export function parseEvent(data: string): StreamEvent {
  const frame = parse(data) as { topic?: unknown; payload?: unknown; type?: unknown } | undefined;
  if (!frame || typeof frame.topic !== "string" || typeof frame.type !== "string") return { kind: "malformed", detail: `not an openHAB event: ${data.slice(0, 80)}` };
  const parts = frame.topic.split("/");
  if (parts[0] !== "openhab" || parts[1] !== "items") return { kind: "ignored", why: `${frame.type} on ${frame.topic}` };
  // openhab/items/<group>/<member>/statechanged is the group's own new state, caused by a
  // member (GroupItemStateChangedEvent); the `*` of a topic filter matches it too.
  if (parts.length !== 4 && parts.length !== 5) return { kind: "ignored", why: `${frame.type} on ${frame.topic}` };
  const name = parts[2]!;
  const payload = parse(frame.payload) as Record<string, unknown> | unknown[] | undefined;
  switch (frame.type) {
    case "ItemStateChangedEvent":
    case "ItemStateUpdatedEvent":
    case "GroupItemStateChangedEvent":
    case "GroupStateUpdatedEvent": {
      const p = payload as Record<string, unknown> | undefined;
      if (!p || typeof p.value !== "string") return { kind: "malformed", detail: `${frame.type} for ${name} without a value` };
      return { kind: "state", item: name, value: p.value, time: eventTime(p.lastStateUpdate ?? p.lastUpdate ?? p.lastStateChange) };
    }
    case "ItemStateEvent":
      // openHAB 4 made this a request ("shall update", published before the item accepts the
      // state; openhab-core #3141). The accepted state arrives as ItemStateUpdatedEvent or
      // ItemStateChangedEvent, which openHAB 3 sends too.
      return { kind: "ignored", why: `ItemStateEvent for ${name} is a request, not a state` };
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
    default:
      return { kind: "ignored", why: `${frame.type} on ${frame.topic}` };
  }
}
