import type { SourceRef } from "../config/issues.js";
import type { Message } from "./message.js";
import type { MetricKind, RejectReason } from "./sample.js";

/** A reading a rule took from a message, before the pipeline adds global tags and normalises names. */
export interface Draft {
  metric: string;
  value: number;
  tags: string[];
  kind: MetricKind;
  unit: string | undefined;
  time: number;
  state: string | undefined;
  /** The time came from the payload's own timestamp (see Sample.stamped). */
  stamped?: true;
}

/** What `hearth check --explain` shows for a sample spec that produced nothing. */
export interface Skip {
  metric: string;
  why: string;
  /** Set when the skip is bad input (counted on /metrics), absent for a field that is simply not there. */
  reason?: RejectReason;
}

export interface RuleOutput {
  drafts: Draft[];
  skips: Skip[];
  /** What a message changed besides samples (a device discovered or removed), shown by `--explain`. */
  notes: string[];
}

export type RuleOrigin =
  | { kind: "preset"; preset: string; /** The discovery message a runtime rule came from. */ discoveredAt?: string }
  | { kind: "mapping"; source: SourceRef | undefined; name: string | undefined }
  | { kind: "house"; section: "people" | "tanks"; name: string; source: SourceRef | undefined };

/**
 * A topic filter and the code that turns one of its messages into drafts. Mappings written in
 * rules files compile to this; presets may also provide their own `extract` when a device's
 * format needs more than a table (Shelly's partial updates, Tasmota's text-or-JSON POWER).
 */
export interface CompiledRule {
  filter: string;
  origin: RuleOrigin;
  extract(msg: Message, captures: Record<string, string>, out: RuleOutput): void;
}
