import type { Clock } from "../kit/clock.js";
import type { Loaded, Rules } from "../config/load.js";
import { ApplianceStage } from "../house/appliances.js";
import { PresenceTracker } from "../house/presence-tracker.js";
import type { PresenceView } from "../house/presence.js";
import type { Logger } from "../kit/log.js";
import { PresetRuntime } from "../presets/runtime.js";
import type { Telemetry } from "../kit/telemetry.js";
import { Pipeline, type PipelineSettings } from "../pipeline/pipeline.js";
import { buildRuleSet } from "./ruleset.js";
import type { Sample } from "../pipeline/sample.js";
import type { SampleStage } from "../pipeline/stage.js";

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

function pipelineSettings(loaded: Loaded, runtime: PresetRuntime): PipelineSettings {
  return {
    ruleSet: buildRuleSet(loaded.rules, runtime),
    maxPayloadBytes: loaded.config.pipeline.max_payload_bytes,
    globalTags: loaded.config.tags,
    flushIntervalMs: loaded.config.pipeline.flush_interval,
  };
}

interface HouseStages {
  appliances: ApplianceStage;
  presence: PresenceTracker;
  /** In the order samples go through them. */
  all: SampleStage[];
}

/** The stages between reading and aggregating; `emit` takes what their timers derive later. */
export function houseStages(rules: Rules, clock: Clock, emit: (sample: Sample) => void): HouseStages {
  const appliances = new ApplianceStage(rules.appliances, clock, emit);
  const presence = new PresenceTracker(rules.people, clock, emit);
  return { appliances, presence, all: [appliances, presence] };
}

/** A preset turned off or given other options forgets what it learned from devices. */
function forgetChangedPresets(runtime: PresetRuntime, before: Rules["presets"], after: Rules["presets"]): void {
  for (const [name, options] of before) {
    if (!after.has(name) || JSON.stringify(after.get(name)) !== JSON.stringify(options)) runtime.forget(name);
  }
}

export function assembleProcessing(loaded: Loaded, clock: Clock, telemetry: Telemetry, log: Logger): Processing {
  const runtime = new PresetRuntime();
  const stages = houseStages(loaded.rules, clock, (sample) => pipeline.addSample(sample));
  const pipeline = new Pipeline(pipelineSettings(loaded, runtime), clock, telemetry, log.child({ module: "pipeline" }), stages.all);
  let current = loaded;
  return {
    pipeline,
    presence: stages.presence,
    reconfigure: (next) => {
      forgetChangedPresets(runtime, current.rules.presets, next.rules.presets);
      pipeline.reconfigure(pipelineSettings(next, runtime));
      stages.appliances.reconfigure(next.rules.appliances);
      stages.presence.reconfigure(next.rules.people);
      current = next;
    },
    stop: () => {
      stages.appliances.stop();
      stages.presence.stop();
    },
  };
}
