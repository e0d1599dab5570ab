import { z } from "zod";
import { HostAddress, Port } from "../config/common.js";

/** The embedded broker: what the house's devices connect to. */
export const MqttConfig = z
  .strictObject({
    host: HostAddress.default("0.0.0.0").meta({ description: "Address the MQTT listener binds to; 0.0.0.0 accepts devices on the LAN." }),
    port: Port.default(1883).meta({ description: "MQTT TCP port (HEARTH_MQTT_PORT overrides)." }),
    allow_anonymous: z.boolean().default(false).meta({ description: "Accept clients without credentials. Off by default: devices log in with a user from the password file." }),
  })
  .meta({ description: "The house's MQTT broker, embedded in Hearth." });

export type MqttConfig = z.output<typeof MqttConfig>;
