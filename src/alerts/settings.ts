import type { Sourced } from "../config-kit/issues.js";
import type { Tank } from "../house/schema.js";
import type { Calendar } from "./calendar-schema.js";
import type { Monitor } from "./monitor-schema.js";

/**
 * What the alert engine is handed: its own rules and the few settings it reads, never the
 * whole configuration (the composition root builds it: src/assembly/alert-settings.ts).
 */
export interface AlertSettings {
  monitors: readonly Sourced<Monitor>[];
  calendars: readonly Sourced<Calendar>[];
  /** The tanks tank_range monitors watch, with their crop ranges. */
  tanks: ReadonlyMap<string, Tank>;
  /** `alerts.evaluation_interval`, in milliseconds. */
  evaluationInterval: number;
  /** `host` and `host_ip`, for the `{{host.name}}` and `{{host.ip}}` template variables. */
  host: string;
  hostIp: string;
  /** Who hears about Hearth itself when a hearth.* monitor names no recipients. */
  operators: readonly string[];
}
