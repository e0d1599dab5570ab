import { z } from "zod";
import { HostAddress, Port, Secret } from "../config-kit/common.js";

export const HttpConfig = z
  .strictObject({
    host: HostAddress.default("127.0.0.1").meta({ description: "Address the HTTP server binds to. Localhost unless told otherwise (HEARTH_HTTP_HOST)." }),
    port: Port.default(8686).meta({ description: "HTTP port for /healthz, /metrics, /api and the status page (HEARTH_HTTP_PORT)." }),
    allowed_hosts: z
      .array(
        z
          .string()
          .min(1)
          .regex(/^[^\s/:]+$|^\[?[0-9a-fA-F:.]+\]?$/, "a host name or address, without a port or scheme"),
      )
      .default([])
      .meta({
        description:
          "More names a browser may use for the hub in its Host header, such as the name a reverse proxy passes on (hearth.example.net). The hub already answers to localhost, 127.0.0.1, ::1, http.host, the top-level host, and the machine's host name and addresses; any other Host is refused (DNS rebinding).",
      }),
    token: Secret.optional().meta({ description: "Bearer token required from any client that is not on this machine. Without it, only localhost may ask." }),
  })
  .meta({ description: "Health, Prometheus metrics, the JSON API and the status page." });

export type HttpConfig = z.output<typeof HttpConfig>;
