import { DiscoveredRules } from "../pipeline/discovered.js";

/**
 * What presets keep while the hub runs: rules devices announced (Home Assistant discovery) and
 * each preset's memory of earlier messages (a Shelly's last known status). It outlives reloads,
 * so a changed rules file does not forget what devices said before it.
 */
export class PresetRuntime {
  readonly discovered = new DiscoveredRules();
  private readonly memories = new Map<string, Map<string, unknown>>();

  memory<T>(preset: string): Map<string, T> {
    let m = this.memories.get(preset);
    if (!m) this.memories.set(preset, (m = new Map<string, unknown>()));
    return m as Map<string, T>;
  }

  /** Drops what a preset learned, when it is turned off or its options change. */
  forget(preset: string): void {
    this.memories.delete(preset);
    this.discovered.clear(preset);
  }
}
