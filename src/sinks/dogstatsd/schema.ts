import { z } from "zod";
import { HostAddress, Port } from "../../config-kit/common.js";

export const DogStatsdConfig = z
  .strictObject({
    enabled: z.boolean().default(true),
    host: HostAddress.default("127.0.0.1").meta({ description: "The Datadog agent's DogStatsD address (UDP)." }),
    port: Port.default(8125).meta({ description: "The agent's dogstatsd_port." }),
    socket: z.string().min(1).optional().meta({
      description:
        "Path of the agent's dogstatsd_stream_socket (a Unix stream socket); wins over host/port. The agent's datagram socket (dogstatsd_socket) cannot be reached from Node.js.",
    }),
  })
  .meta({ description: "Forwarding to a local Datadog agent over DogStatsD, for a host that already runs one." });

export type DogStatsdConfig = z.output<typeof DogStatsdConfig>;
