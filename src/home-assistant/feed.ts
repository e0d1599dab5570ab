import type { Cancel } from "../kit/clock.js";
import type { Sample } from "../pipeline/sample.js";
import type { MonitorGroup } from "./entities.js";

/** What the announcer is told about the house: all it needs, none of the engine behind it. */
export interface HouseFeed {
  onSample(listener: (sample: Sample) => void): Cancel;
  /** Called after each moment the monitors are evaluated or reloaded: the time to look at `monitorGroups()` again. */
  onMonitorsSettled(listener: () => void): Cancel;
  monitorGroups(): readonly MonitorGroup[];
}

/** Sends one message through the embedded broker, as the broker itself (QoS 1). */
export type Publish = (topic: string, payload: string, retain: boolean) => Promise<void>;

/** Listeners of one kind of moment; each registration returns its own cancel. */
export class Moments {
  private readonly listeners = new Set<() => void>();

  on(listener: () => void): Cancel {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  tell(): void {
    for (const l of this.listeners) l();
  }
}
