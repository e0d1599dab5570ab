import type { Cancel, Clock } from "../kit/clock.js";
import type { Sourced } from "../config-kit/issues.js";
import type { Sample } from "../pipeline/sample.js";
import type { SampleStage } from "../pipeline/stage.js";
import { PRESENCE_METRIC } from "./people.js";
import type { PersonPresence, PresenceState, PresenceView } from "./presence.js";
import type { Person } from "./schema.js";

/**
 * Follows every `presence.home{person:…}` sample of the people named in `people:`, whatever
 * produced it (OwnTracks, a plain topic, the openHAB integration), and derives
 * `presence.anyone_home`: 1 when anyone is home, 0 when everyone is known to be away, nothing
 * while it cannot be told (nobody is known home and someone's state is unknown).
 */
const ANYONE_HOME_METRIC = "presence.anyone_home";

interface Tracked {
  staleAfter: number;
  value: 0 | 1 | undefined;
  lastSeen: number | undefined;
  since: number | undefined;
  staleTimer: Cancel | undefined;
}

export class PresenceTracker implements SampleStage, PresenceView {
  private tracked = new Map<string, Tracked>();

  constructor(
    people: ReadonlyMap<string, Sourced<Person>>,
    private readonly clock: Clock,
    private readonly emit: (sample: Sample) => void,
  ) {
    this.reconfigure(people);
  }

  /** People who stay keep what is known about them; a changed staleness limit applies at once. */
  reconfigure(people: ReadonlyMap<string, Sourced<Person>>): void {
    const previous = this.tracked;
    this.tracked = new Map();
    for (const [name, p] of people) {
      const t = previous.get(name) ?? { staleAfter: p.stale_after, value: undefined, lastSeen: undefined, since: undefined, staleTimer: undefined };
      previous.delete(name);
      t.staleAfter = p.stale_after;
      this.tracked.set(name, t);
      if (t.lastSeen !== undefined) this.scheduleStale(t, t.lastSeen);
    }
    for (const gone of previous.values()) gone.staleTimer?.();
  }

  process(sample: Sample, derived: Sample[]): Sample {
    if (sample.metric !== PRESENCE_METRIC) return sample;
    const person = sample.tags.find((t) => t.startsWith("person:"))?.slice("person:".length);
    const t = person === undefined ? undefined : this.tracked.get(person);
    if (!t) return sample;
    const now = this.clock.now();
    const value = sample.value > 0 ? 1 : 0;
    if (this.stateOf(t, now) === "unknown" || t.value !== value) t.since = now;
    t.value = value;
    t.lastSeen = now;
    this.scheduleStale(t, now);
    const anyone = this.anyoneHome(now);
    if (anyone !== undefined) derived.push(this.anyoneSample(anyone, sample.time));
    return sample;
  }

  people(now: number): PersonPresence[] {
    return [...this.tracked].map(([person, t]) => {
      const state = this.stateOf(t, now);
      const since = state === "unknown" ? (t.lastSeen === undefined ? undefined : t.lastSeen + t.staleAfter) : t.since;
      return { person, state, lastSeen: t.lastSeen, since };
    });
  }

  /** 1 when anyone is home, 0 when everyone is known to be away, undefined otherwise. */
  anyoneHome(now: number): 0 | 1 | undefined {
    const states = [...this.tracked.values()].map((t) => this.stateOf(t, now));
    if (states.includes("home")) return 1;
    return states.length > 0 && states.every((s) => s === "away") ? 0 : undefined;
  }

  private stateOf(t: Tracked, now: number): PresenceState {
    if (t.value === undefined || t.lastSeen === undefined || now - t.lastSeen >= t.staleAfter) return "unknown";
    return t.value === 1 ? "home" : "away";
  }

  /** When a person goes stale, "anyone home" may change (they were the one at home). */
  private scheduleStale(t: Tracked, lastSeen: number): void {
    t.staleTimer?.();
    t.staleTimer = this.clock.setTimeout(
      () => {
        t.staleTimer = undefined;
        const now = this.clock.now();
        const anyone = this.anyoneHome(now);
        if (anyone !== undefined) this.emit(this.anyoneSample(anyone, now));
      },
      Math.max(0, lastSeen + t.staleAfter - this.clock.now()),
    );
  }

  private anyoneSample(value: 0 | 1, time: number): Sample {
    return { metric: ANYONE_HOME_METRIC, value, tags: [], time, kind: "gauge" };
  }

  stop(): void {
    for (const t of this.tracked.values()) t.staleTimer?.();
  }
}
