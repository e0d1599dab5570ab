import type { PersonPresence } from "../house/presence.js";
import type { Point } from "../pipeline/aggregate.js";
import { formatFor, formatTime } from "./messages.js";
import type { NobodyHomeMonitor } from "./monitor-schema.js";
import type { EvaluationInput, MonitorRuntime, Observation } from "./runtime.js";

/** The series the rule reads: 1 while an appliance is on (derived from its power by the appliance rules), tagged appliance:<name>. */
const APPLIANCE_ON_METRIC = "power.on";

interface ApplianceData {
  on: boolean;
  /** When the appliance last changed between on and off (the time of the reading). */
  since: number;
  lastSeen: number;
}

type House = "home" | "away" | "unknown";

interface HouseSummary {
  state: House;
  home: string[];
  /** When the house became empty: the last person's departure, if every report says so. */
  emptySince: number | undefined;
  text: string;
}

const joinNames = (names: string[]): string => (names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`);

/**
 * Who is home, as one word and a sentence. Someone home wins; otherwise anyone whose presence is
 * stale or missing makes the house "unknown", never silently empty, and the sentence says who.
 */
function summarizePresence(people: PersonPresence[]): HouseSummary {
  const home = people.filter((p) => p.state === "home").map((p) => p.person);
  if (home.length > 0) return { state: "home", home, emptySince: undefined, text: `${joinNames(home)} ${home.length === 1 ? "is" : "are"} home` };
  const unknown = people.filter((p) => p.state === "unknown");
  if (people.length === 0) return { state: "unknown", home, emptySince: undefined, text: "nobody is known to be home: no one's presence is tracked" };
  if (unknown.length > 0) {
    const who = unknown.map((p) => `${p.person} (${p.lastSeen === undefined ? "never reported" : `last report ${formatTime(p.lastSeen)}`})`);
    return { state: "unknown", home, emptySince: undefined, text: `nobody is known to be home: presence unknown for ${joinNames(who)}` };
  }
  const departures = people.map((p) => p.since);
  const emptySince = departures.every((s) => s !== undefined) ? Math.max(...departures) : undefined;
  return { state: "away", home, emptySince, text: "nobody is home" };
}

/**
 * "Appliance on, nobody home": an appliance whose power.on has held, while nobody is home (or
 * nobody is known to be), for `for`. It resolves when the appliance goes off or someone comes
 * home, and says which. One group per appliance: `appliance:<name>`.
 */
export class NobodyHomeRuntime implements MonitorRuntime {
  readonly metric = APPLIANCE_ON_METRIC;
  readonly fingerprint: string;
  readonly settleMs: number;
  readonly staticVars = {};
  private readonly appliances = new Map<string, ApplianceData>();
  private house: { state: House; since: number } | undefined;
  private readonly names: Set<string> | undefined;
  private readonly tags: string[];
  private readonly people: Set<string> | undefined;

  constructor(private readonly def: NobodyHomeMonitor) {
    this.names = def.appliances ? new Set(def.appliances) : undefined;
    this.tags = def.appliance_tags ?? [];
    this.people = def.people ? new Set(def.people) : undefined;
    this.fingerprint = `nobody_home ${JSON.stringify([def.appliances ?? null, def.appliance_tags ?? null, def.people ?? null, def.for])}`;
    this.settleMs = def.for;
  }

  scopeTags(group: string): string[] {
    return [group];
  }

  accept(p: Point): void {
    const tag = p.tags.find((t) => t.startsWith("appliance:"));
    if (!tag) return;
    if (this.names && !this.names.has(tag.slice("appliance:".length))) return;
    if (!this.tags.every((t) => p.tags.includes(t))) return;
    const on = p.value >= 0.5;
    const a = this.appliances.get(tag);
    if (!a) this.appliances.set(tag, { on, since: p.time, lastSeen: p.time });
    else if (p.time >= a.lastSeen) {
      if (a.on !== on) {
        a.on = on;
        a.since = p.time;
      }
      a.lastSeen = p.time;
    }
  }

  endBatch(): void {}

  evaluate({ now, stateOf, people }: EvaluationInput): Observation[] {
    const house = summarizePresence(this.people ? people.filter((p) => this.people!.has(p.person)) : people);
    if (house.state === "home") this.house = { state: "home", since: now };
    else if (!this.house || this.house.state === "home") this.house = { state: house.state, since: house.emptySince ?? now };
    else this.house.state = house.state;

    const out: Observation[] = [];
    for (const [group, a] of this.appliances) {
      const name = group.slice("appliance:".length);
      const unattended = a.on && house.state !== "home";
      const unattendedSince = Math.max(a.since, this.house.since);
      const current = stateOf(group);
      const vars = {
        appliance: { name },
        on_since: formatTime(a.since),
        on_since_epoch: a.since,
        on_for: formatFor(now - a.since),
        presence: house.text,
        people_home: joinNames(house.home),
        is_presence_unknown: house.state === "unknown",
        is_turned_off: !a.on,
        is_someone_home: a.on && house.state === "home",
        reason: !a.on ? `the ${name} was turned off` : `${joinNames(house.home)} came home`,
      };
      const alerting = current === "ALERT" ? unattended : unattended && now - unattendedSince >= this.def.for;
      out.push({ group, target: alerting ? "ALERT" : "OK", value: a.on ? 1 : 0, vars });
    }
    return out;
  }

  snapshot(): unknown {
    return { appliances: Object.fromEntries(this.appliances), house: this.house };
  }

  restore(data: unknown): void {
    const d = data as { appliances: Record<string, ApplianceData>; house: { state: House; since: number } | undefined };
    for (const [group, a] of Object.entries(d.appliances)) this.appliances.set(group, { ...a });
    this.house = d.house;
  }
}
