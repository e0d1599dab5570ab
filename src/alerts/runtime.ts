import type { PersonPresence } from "../house/presence.js";
import type { Point } from "../pipeline/aggregate.js";
import type { AlertState } from "./state.js";
import type { TemplateContext } from "./templates.js";

/** What one evaluation says about one group of a monitor. */
export type Observation =
  | {
      group: string;
      /** The state the group should be in now. */
      target: AlertState;
      value: number | null;
      /** Type-specific template variables (the nobody-home rule's presence and reason). */
      vars: TemplateContext;
    }
  /** The group has been silent for a day while OK: it is dropped, as Datadog drops groups that stop reporting. */
  | { group: string; forget: true };

export interface EvaluationInput {
  now: number;
  /** The group's current state (OK for a group never seen). */
  stateOf: (group: string) => AlertState;
  /** Who is home, read once per evaluation. */
  people: PersonPresence[];
}

/**
 * The part of a monitor that depends on its type: which points it keeps (only the window it
 * needs), and what state each group calls for at an evaluation. State changes, messages,
 * re-notification and muting are the engine's, the same for every type.
 */
export interface MonitorRuntime {
  /** The metric whose points this monitor reads. */
  readonly metric: string;
  /** Changing it (the query, the appliances watched) resets the monitor's state. */
  readonly fingerprint: string;
  /** The longest a replay must run past its last input for this monitor to have its say (no-data, `for`). */
  readonly settleMs: number;
  /** Template variables that do not change between evaluations (thresholds, query). */
  readonly staticVars: TemplateContext;
  /** Tags describing a group, for calendar scopes. */
  scopeTags(group: string): string[];
  accept(point: Point): void;
  /** Called after each flush's points, so points of one flush are combined (space aggregation). */
  endBatch(): void;
  evaluate(input: EvaluationInput): Observation[];
  /** The kept data, serialisable (JSON), so a restart forgets nothing. */
  snapshot(): unknown;
  restore(data: unknown): void;
}
