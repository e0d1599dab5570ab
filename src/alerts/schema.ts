import { z } from "zod";
import { Duration } from "../config-kit/common.js";

/** `alerts:` in config/hearth.yaml: how the alert engine runs. Monitors and calendars live in rules/. */
export const AlertsConfig = z
  .strictObject({
    evaluation_interval: Duration.prefault("1m")
      .refine((ms) => ms >= 1000, { message: "must be at least 1s" })
      .meta({ description: "How often monitors are evaluated, on the multiples of this interval (Datadog evaluates every minute for windows under 24 h)." }),
  })
  .meta({ description: "The alert engine." });

export type AlertsConfig = z.output<typeof AlertsConfig>;
