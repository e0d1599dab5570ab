import { z } from "zod";
import { Name, parseDuration } from "../config-kit/common.js";
import type { AlertState } from "./state.js";

/** Shared pieces of the monitor and calendar schemas. */

export const Recipients = z
  .array(Name)
  .default([])
  .meta({ description: "Who is told, by recipient name (the notification transports name them in config/hearth.yaml)." });

/** Datadog spells the state "no data"; `no_data` is accepted too. */
const StateName = z.enum(["alert", "warn", "no data", "no_data"]);

export const NotifyStates = z.array(StateName).transform((names) => [...new Set(names.map(stateOf))]);

const STATE_OF: Record<z.output<typeof StateName>, AlertState> = { alert: "ALERT", warn: "WARN", "no data": "NO_DATA", no_data: "NO_DATA" };
const stateOf = (n: z.output<typeof StateName>): AlertState => STATE_OF[n];

/**
 * Datadog's own option names count in minutes (`renotify_interval: 30`, `no_data_timeframe: 10`,
 * docs/datadog-semantics.md Trap 13), so a bare number here is minutes; a string is a duration ("30m", "2h").
 */
export const MinutesOrDuration = z
  .union([
    z.number().positive(),
    z.string().refine((s) => parseDuration(s) !== undefined && parseDuration(s)! > 0, { message: 'expected minutes or a duration such as "10m" or "2h"' }),
  ])
  .transform((v) => (typeof v === "number" ? v * 60_000 : parseDuration(v)!))
  .meta({ description: 'Minutes (as in Datadog), or a duration such as "10m" or "2h".' });
