import type { z } from "zod";
import type { Message } from "../pipeline/message.js";
import type { CompiledRule, RuleOrigin, RuleOutput } from "../pipeline/rule.js";
import type { MetricKind, RejectReason } from "../pipeline/sample.js";
import { readValue, DEFAULT_STATES, type StateTable } from "../pipeline/value.js";
import type { PresetRuntime } from "./runtime.js";

/**
 * A device family Hearth understands out of the box. Enabling one is a single line in a rules
 * file (`presets: [tasmota]`); its options (a custom topic layout) are validated like any rule.
 */
export interface Preset<O extends z.ZodType = z.ZodType> {
  /** The name written in `presets:`; also the folder-free id shown by `--explain`. */
  name: string;
  title: string;
  options: O;
  /** The preset's rules; `runtime` holds what it learns from devices while the hub runs, across reloads. */
  rules(options: z.output<O>, runtime: PresetRuntime): CompiledRule[];
}

export const definePreset = <O extends z.ZodType>(p: Preset<O>): Preset<O> => p;

export interface EmitOptions {
  unit?: string;
  kind?: MetricKind;
  tags?: string[];
  states?: StateTable;
  /** Divides the reading, for a unit conversion: watt-minutes / 60000 = kWh. */
  divisor?: number;
  /** Multiplies the reading, for a unit conversion: kW × 1000 = W. */
  multiplier?: number;
}

/** What a preset's own code may do with one message: read it, and emit readings from it. */
export interface PresetEmitter {
  readonly msg: Message;
  readonly captures: Record<string, string>;
  /** The decoded JSON payload, or undefined after recording why it could not be decoded. */
  json(): unknown;
  /** Reads `raw` as a number or a state and records it, or records why it was skipped. */
  emit(metric: string, raw: unknown, opts?: EmitOptions): void;
  /** Records why something in the message gave no sample; with a reason it counts as bad input. */
  skip(metric: string, why: string, reason?: RejectReason): void;
  /** Records what the message changed besides samples (a device discovered), for `--explain`. */
  note(text: string): void;
  /** The same emitter, adding `tags` to every reading: for tags only the payload tells (a device name). */
  withTags(tags: string[]): PresetEmitter;
}

/**
 * A rule whose reading needs code rather than a table: payloads that are text or JSON,
 * arrays of channels, partial updates merged into the last known state. `origin` is the
 * preset's name, or where in the rules the rule comes from.
 */
export function codeRule(
  filter: string,
  origin: string | RuleOrigin,
  baseTags: (captures: Record<string, string>) => string[],
  read: (e: PresetEmitter) => void,
  coverage: Pick<CompiledRule, "covers" | "reads"> = {},
): CompiledRule {
  // The ingest stage hands the same captures object for every message on a topic: its tags are
  // rendered once per topic, and are the same array each time (so naming the series is cheap).
  const rendered = new WeakMap<Record<string, string>, string[]>();
  return {
    filter,
    origin: typeof origin === "string" ? { kind: "preset", preset: origin } : origin,
    extract(msg: Message, captures: Record<string, string>, out: RuleOutput) {
      let tags = rendered.get(captures);
      if (!tags) rendered.set(captures, (tags = baseTags(captures)));
      read(new Emitter(msg, captures, out, tags, { failed: false }));
    },
    ...coverage,
  };
}

/** One per message and rule: a class, so the hot path allocates one object rather than a closure per method. */
class Emitter implements PresetEmitter {
  constructor(
    readonly msg: Message,
    readonly captures: Record<string, string>,
    private readonly out: RuleOutput,
    private readonly tags: string[],
    private readonly decoded: { failed: boolean },
  ) {}

  json(): unknown {
    const d = this.msg.json();
    if (d.ok) return d.value;
    // Several readings may ask for the JSON: the payload is reported once.
    if (!this.decoded.failed) this.out.skips.push({ metric: "(payload)", why: d.detail, reason: d.reason });
    this.decoded.failed = true;
    return undefined;
  }

  emit(metric: string, raw: unknown, opts: EmitOptions = {}): void {
    const r = readValue(raw, opts.states ?? DEFAULT_STATES);
    if (!r.ok) {
      if (r.reason === "null") this.out.skips.push({ metric, why: `value is ${r.detail}` });
      else this.out.skips.push({ metric, why: r.detail, reason: r.reason });
      return;
    }
    this.out.drafts.push({
      metric,
      value: (r.value * (opts.multiplier ?? 1)) / (opts.divisor ?? 1),
      tags: opts.tags ? [...this.tags, ...opts.tags] : this.tags,
      kind: opts.kind ?? "gauge",
      unit: opts.unit ?? r.unit,
      time: this.msg.receivedAt,
      state: r.state,
    });
  }

  skip(metric: string, why: string, reason?: RejectReason): void {
    this.out.skips.push(reason ? { metric, why, reason } : { metric, why });
  }

  note(text: string): void {
    this.out.notes.push(text);
  }

  withTags(extra: string[]): PresetEmitter {
    return new Emitter(this.msg, this.captures, this.out, [...this.tags, ...extra], this.decoded);
  }
}

/**
 * Builds topic filters from a device's configurable topic layout, e.g. Tasmota's FullTopic
 * "%prefix%/%topic%/": %topic% captures the device, unless `device` names it (a layout that
 * one device alone uses), and %hostname% captures it when %topic% is absent.
 */
export function layoutFilter(layout: string, prefix: string, suffix: string, device?: string): string {
  const hasTopic = layout.includes("%topic%") || device !== undefined;
  const base = layout
    .replaceAll("%prefix%", prefix)
    .replaceAll("%topic%", device ?? "+device")
    .replaceAll("%hostname%", hasTopic ? "+" : "+device")
    .replaceAll("%id%", "+")
    .replace(/\/+$/, "");
  return `${base}/${suffix}`;
}
