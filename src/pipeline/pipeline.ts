import type { Counter } from "prom-client";
import type { Cancel, Clock } from "../kit/clock.js";
import { describeError } from "../kit/errors.js";
import { RateLimitedLog, type Logger } from "../kit/log.js";
import type { Telemetry } from "../kit/telemetry.js";
import { Aggregator, type Point } from "./aggregate.js";
import { Ingest } from "./ingest.js";
import type { UserProperties } from "./message.js";
import { SeriesNamer, type Series } from "./normalize.js";
import type { RuleOutput } from "./rule.js";
import type { RuleSet } from "./rule-set.js";
import { REJECT_REASONS, type RejectReason, type Sample } from "./sample.js";
import { SampleChain, type SampleStage } from "./stage.js";

export interface PipelineSettings {
  ruleSet: RuleSet;
  maxPayloadBytes: number;
  globalTags: readonly string[];
  flushIntervalMs: number;
}

type SampleListener = (sample: Sample) => void;
type FlushListener = (points: Point[], at: number) => void;

/**
 * Messages and integration readings in, samples through, points out once per flush interval.
 * Bad input never throws out of here: it is counted per reason and logged at a bounded rate.
 */
export class Pipeline {
  readonly aggregator: Aggregator;
  private readonly ingest: Ingest;
  private readonly chain: SampleChain;
  private settings: PipelineSettings;
  private readonly sampleListeners = new Set<SampleListener>();
  private readonly flushListeners = new Set<FlushListener>();
  private readonly rejectLog: RateLimitedLog;
  private cancelFlush: Cancel | undefined;
  private readonly out: RuleOutput = { drafts: [], skips: [], notes: [] };

  /** Counted on the hot path as plain numbers; /metrics reads them when scraped. */
  private messages = 0;
  private unmatched = 0;
  private samples = 0;
  private readonly rejected: Counter<"reason">;
  private readonly points: Counter;

  constructor(
    settings: PipelineSettings,
    private readonly clock: Clock,
    telemetry: Telemetry,
    private readonly log: Logger,
    stages: readonly SampleStage[] = [],
  ) {
    this.settings = settings;
    this.ingest = new Ingest(settings.ruleSet, settings.maxPayloadBytes);
    this.chain = new SampleChain(new SeriesNamer(settings.globalTags), stages);
    this.aggregator = new Aggregator(clock.now());
    this.rejectLog = new RateLimitedLog(() => clock.now());
    telemetry.counterReadAtScrape("ingest_messages_total", "MQTT messages offered to the ingest rules.", () => this.messages);
    telemetry.counterReadAtScrape("ingest_unmatched_total", "MQTT messages that no rule or preset matched.", () => this.unmatched);
    telemetry.counterReadAtScrape("ingest_samples_total", "Samples produced by ingest rules and integrations.", () => this.samples);
    this.rejected = telemetry.counter("ingest_rejected_total", "Payloads or fields that could not be read, by reason.", ["reason"]);
    for (const r of REJECT_REASONS) this.rejected.inc({ reason: r }, 0);
    this.points = telemetry.counter("aggregation_points_total", "Points produced by aggregation flushes.");
    telemetry.gauge("aggregation_series", "Distinct series held by the aggregator.", [], (g) => g.set(this.aggregator.size));
  }

  start(): void {
    this.cancelFlush = this.clock.setInterval(() => this.flush(), this.settings.flushIntervalMs);
  }

  /** Stops the flush timer and flushes what is left, so a clean stop loses nothing. */
  stop(): Point[] {
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    return this.flush();
  }

  reconfigure(settings: PipelineSettings): void {
    const restartTimer = settings.flushIntervalMs !== this.settings.flushIntervalMs && this.cancelFlush !== undefined;
    this.settings = settings;
    this.ingest.setRuleSet(settings.ruleSet, settings.maxPayloadBytes);
    this.chain.setNamer(new SeriesNamer(settings.globalTags));
    if (restartTimer) {
      this.cancelFlush?.();
      this.start();
    }
  }

  /** The hot path: every MQTT message the broker accepts comes through here. */
  handleMessage(topic: string, payload: Buffer, userProperties?: UserProperties): void {
    this.messages++;
    const out = this.out;
    out.drafts.length = 0;
    out.skips.length = 0;
    out.notes.length = 0;
    const matched = this.ingest.process(topic, payload, this.clock.now(), out, userProperties);
    if (matched === 0) {
      this.unmatched++;
      return;
    }
    for (const skip of out.skips) if (skip.reason) this.reject(skip.reason, topic, `${skip.metric}: ${skip.why}`);
    for (const d of out.drafts) {
      const sample: Sample = { metric: d.metric, value: d.value, tags: d.tags, time: d.time, kind: d.kind };
      if (d.unit) sample.unit = d.unit;
      if (d.state) sample.attrs = { state: d.state };
      if (d.stamped) sample.stamped = true;
      // The sample is this method's own: the chain may name it in place instead of copying it.
      this.chain.run(sample, this.accept, true);
    }
  }

  /** A sample from an integration or a derived series: named, tagged and aggregated like any other. */
  addSample(sample: Sample): void {
    this.chain.run(sample, this.accept);
  }

  /** Where every sample enters the aggregator: the last guard against a value that is not a finite number, whoever made it. */
  private readonly accept = (s: Sample, series: Series): void => {
    if (!this.aggregator.add(series, s)) return this.reject("not_finite", undefined, `${series.key}: ${String(s.value)} is not a finite number`);
    this.samples++;
    for (const listener of this.sampleListeners) {
      try {
        listener(s);
      } catch (err) {
        this.log.error({ err: describeError(err) }, "A sample listener failed");
      }
    }
  };

  /** Counts and (at a bounded rate) logs input that could not be read; `topic` when it came over MQTT. */
  reject(reason: RejectReason, topic: string | undefined, detail: string): void {
    this.rejected.inc({ reason });
    const gate = this.rejectLog.allow(reason);
    if (gate.suppressed > 0)
      this.log.warn({ code: "HEARTH_E_PAYLOAD_REJECTED", reason, suppressed: gate.suppressed }, "Suppressed similar payload rejections in the last minute");
    if (gate.ok) this.log.warn({ code: "HEARTH_E_PAYLOAD_REJECTED", reason, topic, detail }, "Payload rejected");
  }

  onSample(listener: SampleListener): Cancel {
    this.sampleListeners.add(listener);
    return () => this.sampleListeners.delete(listener);
  }

  onFlush(listener: FlushListener): Cancel {
    this.flushListeners.add(listener);
    return () => this.flushListeners.delete(listener);
  }

  flush(): Point[] {
    const at = this.clock.now();
    const points = this.aggregator.flush(at);
    this.points.inc(points.length);
    for (const listener of this.flushListeners) {
      try {
        listener(points, at);
      } catch (err) {
        this.log.error({ err: describeError(err) }, "A flush listener failed");
      }
    }
    return points;
  }
}
