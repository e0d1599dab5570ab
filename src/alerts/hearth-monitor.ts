import { formatDuration } from "../config-kit/common.js";
import { checkOf, HEARTH_CHECKS, type HearthCheck, type SelfFacts } from "./hearth-checks.js";
import type { HearthMonitor } from "./monitor-schema.js";
import type { EvaluationInput, MonitorRuntime, Observation } from "./runtime.js";
import { holdFor, levelFor, type Hold, type Thresholds } from "./state.js";

/**
 * A hearth.* monitor: at each evaluation it reads its check's value per group from Hearth's own
 * state and compares it with the thresholds (`>=`), held for `for` like a metric monitor. It reads
 * no points, so nothing in the pipeline feeds it.
 */
export class HearthMonitorRuntime implements MonitorRuntime {
  readonly metric = "";
  readonly fingerprint: string;
  readonly settleMs = 0;
  readonly staticVars: Record<string, unknown>;
  private readonly check: HearthCheck;
  private readonly thresholds: Thresholds;
  private readonly forMs: number;
  private holds = new Map<string, Hold>();

  constructor(
    def: HearthMonitor,
    private readonly facts: SelfFacts,
  ) {
    this.check = checkOf(def.name)!;
    const builtin = HEARTH_CHECKS[this.check];
    const warning = def.thresholds.warning ?? ("warning" in builtin.thresholds ? builtin.thresholds.warning : undefined);
    this.thresholds = { critical: def.thresholds.critical ?? builtin.thresholds.critical, warning };
    this.forMs = def.for ?? builtin.for;
    this.fingerprint = `hearth ${JSON.stringify([this.check, this.thresholds, this.forMs])}`;
    this.staticVars = { threshold: this.thresholds.critical, warn_threshold: this.thresholds.warning, for_duration: formatDuration(this.forMs) };
  }

  scopeTags(group: string): string[] {
    return group === "*" ? [] : group.split(",");
  }

  accept(): void {}

  endBatch(): void {}

  evaluate({ now, stateOf }: EvaluationInput): Observation[] {
    const out: Observation[] = [];
    const facts = this.facts.read(this.check, now);
    for (const [group, fact] of facts) {
      const current = stateOf(group);
      let hold = this.holds.get(group);
      if (!hold) this.holds.set(group, (hold = {}));
      const observed = levelFor(fact.value, ">=", this.thresholds, current === "NO_DATA" ? "OK" : current);
      out.push({ group, target: holdFor(observed, current, hold, now, this.forMs), value: fact.value, vars: { detail: fact.detail } });
    }
    for (const group of this.holds.keys()) {
      if (facts.has(group)) continue;
      if (stateOf(group) === "OK") {
        this.holds.delete(group);
        out.push({ group, forget: true });
      } else out.push({ group, target: "OK", value: null, vars: { detail: "it is no longer configured" } });
    }
    return out;
  }

  snapshot(): unknown {
    return Object.fromEntries(this.holds);
  }

  restore(data: unknown): void {
    this.holds = new Map(Object.entries(data as Record<string, Hold>));
  }
}
