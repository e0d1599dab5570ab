import { z } from "zod";
import { Calendar } from "../alerts/calendar-schema.js";
import { Monitor } from "../alerts/monitor-schema.js";
import { Dashboard } from "../dashboards/schema.js";
import { Appliances, People, Tanks } from "../house/schema.js";
import { Mapping } from "../pipeline/mapping-schema.js";
import { PresetsConfig } from "../presets/index.js";

/**
 * One file under rules/, edited by the homeowner. Every section is optional; the files of the
 * directory are read in name order and combined (lists are joined, names must be unique).
 */
export const RulesFile = z
  .strictObject({
    version: z.literal(1, { message: "this Hearth understands rules version 1" }).default(1),
    presets: PresetsConfig.optional(),
    mappings: z.array(Mapping).optional().meta({ description: "Topic mappings: which messages become which samples." }),
    monitors: z
      .array(Monitor)
      .optional()
      .meta({ description: "Monitors: thresholds on a metric query (Datadog's model) and appliances left on while nobody is home." }),
    calendars: z.array(Calendar).optional().meta({ description: "Downtime calendars: when monitors are muted, and who hears about it." }),
    dashboards: z
      .array(Dashboard)
      .optional()
      .meta({ description: "Dashboards: ordered widgets over a live time span, created in Datadog by `hearth datadog apply` and drawn by the status page." }),
    appliances: Appliances.optional(),
    people: People.optional(),
    tanks: Tanks.optional(),
  })
  .meta({ title: "Hearth rules", description: "Topic mappings, presets, appliances, people, monitors, downtime calendars and dashboards." });

export type RulesFile = z.output<typeof RulesFile>;
