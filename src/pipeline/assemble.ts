import type { Clock } from "../clock.js";
import type { Loaded } from "../config/load.js";
import type { PresenceView } from "../house/presence.js";
import type { Logger } from "../log.js";
import type { Telemetry } from "../telemetry.js";
import { Pipeline, type PipelineSettings } from "./pipeline.js";
import { buildRuleSet } from "./ruleset.js";

/**
 * The processing chain from messages and readings to points: the same assembly runs in the live
 * hub and in `hearth replay`, so a replay answers exactly what the hub would have done.
 */
export interface Processing {
  pipeline: Pipeline;
  presence: PresenceView;
  reconfigure(loaded: Loaded): void;
  stop(): void;
}

export function pipelineSettings(loaded: Loaded): PipelineSettings {
  return {
    ruleSet: buildRuleSet(loaded.rules),
    maxPayloadBytes: loaded.config.pipeline.max_payload_bytes,
    globalTags: loaded.config.tags,
    flushIntervalMs: loaded.config.pipeline.flush_interval,
  };
}

export function assembleProcessing(loaded: Loaded, clock: Clock, telemetry: Telemetry, log: Logger): Processing {
  const pipeline = new Pipeline(pipelineSettings(loaded), clock, telemetry, log.child({ module: "pipeline" }));
  return {
    pipeline,
    presence: { people: () => [] },
    reconfigure: (next) => pipeline.reconfigure(pipelineSettings(next)),
    stop: () => undefined,
  };
}
