import { ManualClock } from "../kit/clock.js";
import type { Loaded } from "../config/load.js";
import { alertSettingsOf } from "./sections.js";
import type { PresenceView } from "../house/presence.js";
import type { Logger } from "../kit/log.js";
import { assembleProcessing } from "./assemble.js";
import type { Pipeline } from "../pipeline/pipeline.js";
import { Telemetry } from "../kit/telemetry.js";
import { AlertEngine } from "../alerts/engine.js";
import type { AlertSink } from "../alerts/events.js";
import type { ReplayLine } from "../alerts/replay-input.js";

export interface ReplayOptions {
  /** Where the simulated clock starts; default the first line's time. Earlier lines are skipped. */
  from?: number;
  /** Where it stops; default the last line's time plus the longest no-data or `for` duration of the rules. */
  until?: number;
  /** A presence source other than the rules' people (tests that feed presence.home directly). */
  presence?: (pipeline: Pipeline) => PresenceView;
}

interface ReplaySummary {
  from: number;
  until: number;
  fed: number;
  skipped: number;
}

/**
 * Runs recorded traffic through the same processing assembly and alert engine as the live hub,
 * on a ManualClock: flushes and evaluations fire on the live cadence as simulated time passes,
 * so a week of traffic takes seconds. Nothing is sent and no store is opened: every event goes
 * to `emit`.
 */
export function replay(loaded: Loaded, input: readonly ReplayLine[], options: ReplayOptions, emit: AlertSink, log: Logger): ReplaySummary {
  const lines = [...input].sort((a, b) => a.t - b.t);
  const from = options.from ?? lines[0]?.t ?? 0;
  const clock = new ManualClock(from);
  const telemetry = new Telemetry();
  const processing = assembleProcessing(loaded, clock, telemetry, log);
  const presence = options.presence?.(processing.pipeline) ?? processing.presence;
  const engine = new AlertEngine({
    settings: alertSettingsOf(loaded),
    pipeline: processing.pipeline,
    presence,
    clock,
    telemetry,
    log: log.child({ module: "alerts" }),
    emit,
  });
  const until = options.until ?? (lines.length ? lines[lines.length - 1]!.t : from) + engine.settleMs;

  processing.pipeline.start();
  engine.start();
  let fed = 0;
  let skipped = 0;
  for (const line of lines) {
    if (line.t < from || line.t > until) {
      skipped++;
      continue;
    }
    clock.advanceTo(line.t);
    if ("topic" in line) processing.pipeline.handleMessage(line.topic, line.payload);
    else processing.pipeline.addSample({ metric: line.metric, value: line.value, tags: line.tags, time: line.t, kind: line.kind });
    fed++;
  }
  clock.advanceTo(until);
  engine.stop();
  processing.pipeline.stop();
  processing.stop();
  return { from, until, fed, skipped };
}
