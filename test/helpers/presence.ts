import type { PersonPresence, PresenceView } from "../../src/house/presence.js";
import type { Pipeline } from "../../src/pipeline/pipeline.js";

/**
 * A small stand-in for the people tracker: presence.home{person:…} samples as they enter the
 * pipeline; a person whose last report is older than `staleAfterMs` is unknown.
 */
export function presenceFromSamples(pipeline: Pipeline, staleAfterMs = 30 * 60_000): PresenceView {
  const people = new Map<string, { home: boolean; lastSeen: number; since: number }>();
  pipeline.onSample((s) => {
    const person = s.metric === "presence.home" ? s.tags.find((t) => t.startsWith("person:"))?.slice("person:".length) : undefined;
    if (!person) return;
    const home = s.value >= 0.5;
    const p = people.get(person);
    if (!p || p.home !== home) people.set(person, { home, lastSeen: s.time, since: s.time });
    else p.lastSeen = s.time;
  });
  return {
    people: (now): PersonPresence[] =>
      [...people].map(([person, p]) => ({
        person,
        state: now - p.lastSeen > staleAfterMs ? "unknown" : p.home ? "home" : "away",
        lastSeen: p.lastSeen,
        since: p.since,
      })),
  };
}
