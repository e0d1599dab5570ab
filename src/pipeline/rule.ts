import type { SourceRef } from "../config-kit/issues.js";
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
interface Skip {
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
  /**
   * For a preset's rule: whether it already reads the value at `path` of a message on its topic
   * ([] is the whole payload). A rule devices announced (Home Assistant discovery) reads on a
   * preset's topic only what no rule there covers, so the preset's own name wins and no value is
   * counted twice. A rule without `covers` covers everything: discovery stays off its topics.
   */
  covers?(path: readonly (string | number)[], captures: Record<string, string>): boolean;
  /** For a rule devices announced: where in the payload it reads ([] is the whole payload). */
  reads?: readonly (string | number)[];
}

/** Where a rule devices announced reads, as its template wrote it: value_json.ENERGY.Today. */
export const pathText = (path: readonly (string | number)[]): string =>
  path.length === 0 ? "the payload" : `value_json${path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("")}`;
