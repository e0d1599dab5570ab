import type { Cancel, Clock } from "../kit/clock.js";
import type { Sourced } from "../config-kit/issues.js";
import { normalizeTag } from "../pipeline/normalize.js";
import type { Sample } from "../pipeline/sample.js";
import type { SampleStage } from "../pipeline/stage.js";
import type { Appliance } from "./schema.js";

/**
 * Appliances named in `appliances:`. Every sample of the appliance's device gets
 * `appliance:<name>`, and its `power.watts` drive a derived `power.on` 1/0: on once the power
 * has stayed above the threshold for `min_duration`, off once it has stayed below
 * `threshold − hysteresis` as long. A fridge compressor hovering around the threshold, or a
 * hob's thermostat clicking for a few seconds, does not make it flap.
 */
const POWER_ON_METRIC = "power.on";
const WATTS = "power.watts";

interface Tracker {
  name: string;
  config: string;
  /** Tags a sample must carry to be this appliance's (normalised): its device, and any extra ones. */
  match: string[];
  applianceTag: string;
  onAbove: number;
  offBelow: number;
  minDuration: number;
  /** The tags of the derived power.on series. */
  onTags: string[];
  state: 0 | 1 | undefined;
  pending: Cancel | undefined;
}

const sameConfig = (a: Appliance): string => JSON.stringify({ ...a, source: undefined });

function tracker(name: string, a: Appliance): Tracker {
  const match = [normalizeTag(`device:${a.device}`), ...a.tags.map(normalizeTag)];
  const applianceTag = normalizeTag(`appliance:${name}`);
  return {
    name,
    config: sameConfig(a),
    match,
    applianceTag,
    onAbove: a.threshold,
    offBelow: a.threshold - (a.hysteresis ?? a.threshold / 2),
    minDuration: a.min_duration,
    onTags: [applianceTag, ...match].sort(),
    state: undefined,
    pending: undefined,
  };
}

/** Which appliances a series belongs to, and its tags with theirs added. */
interface Membership {
  tags: string[];
  trackers: Tracker[];
}

export class ApplianceStage implements SampleStage {
  private trackers: Tracker[] = [];
  /** Per series (the namer hands out one tags array per series): a house sends the same series over and over. */
  private memberships = new WeakMap<readonly string[], Membership>();
  /** Every appliance's device tag: a sample carrying none of them belongs to no appliance. */
  private deviceTags = new Set<string>();

  constructor(
    appliances: ReadonlyMap<string, Sourced<Appliance>>,
    private readonly clock: Clock,
    private readonly emit: (sample: Sample) => void,
  ) {
    this.reconfigure(appliances);
  }

  /** An appliance whose settings did not change keeps its state; the others start afresh. */
  reconfigure(appliances: ReadonlyMap<string, Sourced<Appliance>>): void {
    const previous = new Map(this.trackers.map((t) => [t.name, t]));
    this.trackers = [...appliances].map(([name, a]) => {
      const old = previous.get(name);
      previous.delete(name);
      if (old && old.config === sameConfig(a)) return old;
      old?.pending?.();
      return tracker(name, a);
    });
    for (const gone of previous.values()) gone.pending?.();
    this.memberships = new WeakMap();
    this.deviceTags = new Set(this.trackers.map((t) => t.match[0]!));
  }

  process(sample: Sample, derived: Sample[]): Sample {
    if (!this.mayBelong(sample.tags)) return sample;
    const m = this.membership(sample.tags);
    if (m.trackers.length === 0) return sample;
    if (sample.metric === WATTS) for (const t of m.trackers) derived.push(this.follow(t, sample.value, sample.time));
    return m.tags === sample.tags ? sample : { ...sample, tags: m.tags };
  }

  /** A few Set lookups, cheaper than the per-series membership for the samples of every other device. */
  private mayBelong(tags: readonly string[]): boolean {
    for (let i = 0; i < tags.length; i++) if (this.deviceTags.has(tags[i]!)) return true;
    return false;
  }

  private membership(tags: string[]): Membership {
    let m = this.memberships.get(tags);
    if (!m) {
      const trackers = this.trackers.filter((t) => t.match.every((x) => tags.includes(x)));
      const missing = trackers.map((t) => t.applianceTag).filter((a) => !tags.includes(a));
      m = { trackers, tags: missing.length ? [...tags, ...missing].sort() : tags };
      this.memberships.set(tags, m);
    }
    return m;
  }

  private follow(t: Tracker, watts: number, time: number): Sample {
    if (t.state === undefined) {
      // The first reading tells where the appliance is now; only changes need to last.
      t.state = watts > t.onAbove ? 1 : 0;
    } else {
      const crossing = t.state === 0 ? watts > t.onAbove : watts < t.offBelow;
      if (!crossing) {
        t.pending?.();
        t.pending = undefined;
      } else if (t.minDuration === 0) {
        t.state = t.state === 0 ? 1 : 0;
      } else if (!t.pending) {
        t.pending = this.clock.setTimeout(() => {
          t.pending = undefined;
          t.state = t.state === 0 ? 1 : 0;
          this.emit(this.powerOn(t, this.clock.now()));
        }, t.minDuration);
      }
    }
    return this.powerOn(t, time);
  }

  private powerOn(t: Tracker, time: number): Sample {
    return { metric: POWER_ON_METRIC, value: t.state ?? 0, tags: t.onTags, time, kind: "gauge" };
  }

  stop(): void {
    for (const t of this.trackers) t.pending?.();
  }
}
