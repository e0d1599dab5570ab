import { z } from "zod";
import { Duration } from "../../src/config-kit/common.js";

export const MyMetricConfig = z
  .strictObject({
    min_collection_interval: Duration.prefault(45).meta({
      description: 'How often a new value is drawn: seconds as in the Datadog agent (45), or a duration ("45s", "2m"). A reload applies a new interval.',
    }),
  })
  .meta({ description: "my_metric: a random integer from 0 to 1000, as the Datadog agent check of the story." });
