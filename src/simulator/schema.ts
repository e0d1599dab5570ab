import { z } from "zod";
import { Duration } from "../config-kit/common.js";

export const SimulatorConfig = z
  .strictObject({
    enabled: z.boolean().default(true),
    interval: Duration.prefault("1m").meta({ description: "How often each simulated device reports, in story time." }),
    speed: z.number().positive().default(60).meta({
      description:
        "How much faster than real time the house's day runs: at 60, an hour of the story takes a minute. `hearth start` runs the whole hub on this story clock (flushes, monitors, quiet hours), starting at 07:00 on the latest Saturday.",
    }),
  })
  .meta({
    description:
      "Simulated devices for the demo: plugs (a stove left on), a hydroponic tank, a person leaving and coming home. Never enable it in a real house.",
  });

export type SimulatorConfig = z.output<typeof SimulatorConfig>;
