import { z } from "zod";
import { Duration, Name } from "../config-kit/common.js";
import { COMMON_VARIABLES } from "./messages.js";
import { checkTemplates, common } from "./monitor-common.js";
import { MinutesOrDuration } from "./schema-parts.js";
import type { TemplateVocabulary } from "./templates.js";

/** What a tank_range monitor's templates can use beyond every monitor's variables (docs/alerts.md, "A tank's crop range"). */
export const tankRangeVocabulary: TemplateVocabulary = {
  variables: [
    ...COMMON_VARIABLES,
    "tank",
    "crop",
    "reading",
    "reading_name",
    "unit",
    "range",
    "range_of",
    "range_min",
    "range_max",
    "side",
    "metric",
    "window",
    "for_duration",
    "no_data_timeframe",
  ],
};

export const TankRangeMonitor = z
  .strictObject({
    type: z
      .literal("tank_range")
      .meta({ description: "A tank's reading against the range the rules give it: its crop's pH or EC range, its own ph_range/ec_range, or its refill mark." }),
    ...common,
    reading: z.enum(["ph", "ec", "level"]).meta({ description: "What is watched: ph and ec against the tank's range, level against the tank's refill_below." }),
    tanks: z
      .array(Name)
      .min(1)
      .optional()
      .meta({ description: "The tanks watched, by name. Absent: every tank with this reading and a range (or refill mark) for it." }),
    window: Duration.prefault("5m").meta({ description: "The readings are averaged over this window, so one noisy sample does not count alone." }),
    for: Duration.prefault("5m").meta({
      description: "How long the averaged reading must stay out of the range (or in the warning margin) before ALERT (or WARN).",
    }),
    hysteresis: z.number().nonnegative().optional().meta({
      description:
        "How far back inside the range (in the reading's unit) the reading must come before it recovers. Default 0.1 for ph and ec (pH, mS/cm), 0 for level.",
    }),
    warning_margin: z
      .number()
      .positive()
      .optional()
      .meta({ description: "WARN when the reading is within this of an edge of the range (0.3: at 6.2 for a range ending at 6.5). Absent: no warning." }),
    notify_no_data: z.boolean().default(false).meta({ description: "Go to NO_DATA (and notify) when the tank's reading stops." }),
    no_data_timeframe: MinutesOrDuration.optional().meta({
      description: "How long without a reading before NO_DATA (minutes, or a duration). Default: twice the window.",
    }),
  })
  .superRefine((m, ctx) => {
    if (m.no_data_timeframe !== undefined && !m.notify_no_data)
      ctx.addIssue({ code: "custom", path: ["no_data_timeframe"], message: "has no effect unless notify_no_data is true" });
    checkTemplates(m, tankRangeVocabulary, ctx);
  })
  .meta({ description: "A hydroponic tank's pH, EC or level against the range its crop (or the tank) gives it, with hysteresis and a minimum duration." });
