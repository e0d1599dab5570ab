import { z } from "zod";
import { HostAddress, Port, Secret } from "../config-kit/common.js";

export const HttpConfig = z
  .strictObject({
    host: HostAddress.default("127.0.0.1").meta({ description: "Address the HTTP server binds to. Localhost unless told otherwise (HEARTH_HTTP_HOST)." }),
    port: Port.default(8686).meta({ description: "HTTP port for /healthz, /metrics, /api and the status page (HEARTH_HTTP_PORT)." }),
    token: Secret.optional().meta({ description: "Bearer token required from any client that is not on this machine. Without it, only localhost may ask." }),
  })
  .meta({ description: "Health, Prometheus metrics, the JSON API and the status page." });

export type HttpConfig = z.output<typeof HttpConfig>;
