import { z } from "zod";
import { Duration, Secret } from "../../config-kit/common.js";

export const DatadogConfig = z
  .strictObject({
    enabled: z.boolean().default(true).meta({ description: "Send through Datadog's API when an API key is set; false keeps the key unused (DogStatsD only)." }),
    api_key: Secret.optional().meta({ description: "Datadog API key; defaults to $DD_API_KEY. Without one, Hearth keeps history locally and sends nothing." }),
    app_key: Secret.optional().meta({
      description:
        "Datadog application key, for `hearth datadog plan/apply`; the hub sends it only with `host_tags: true`, to the Tags API; defaults to $DD_APP_KEY.",
    }),
    site: z.string().optional().meta({ description: "Datadog site, e.g. datadoghq.eu; defaults to $DD_SITE or datadoghq.com." }),
    url: z.string().url().optional().meta({ description: "A full base URL that wins over `site` (a proxy, or a local test server)." }),
    events: z.boolean().default(false).meta({
      description:
        "Send each monitor transition and each downtime start and end as a Datadog event (tags monitor, group, source:hearth), with the API key alone.",
    }),
    host_tags: z.boolean().default(false).meta({
      description:
        "Give the host the configuration's `tags:` as Datadog host tags (the host map, the infrastructure list), as the agent's `tags:` do. Needs the application key as well: Datadog's Tags API asks for both.",
    }),
    timeout: Duration.prefault("20s").meta({ description: "How long one request may take before it counts as failed and is retried." }),
  })
  .meta({ description: "Forwarding to Datadog's metrics intake (HTTP API v2)." });

export type DatadogConfig = z.output<typeof DatadogConfig>;
