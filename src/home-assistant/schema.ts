import { z } from "zod";

export const HomeAssistantConfig = z
  .strictObject({
    discovery: z.boolean().default(false).meta({
      description:
        "Announce what Hearth knows to Home Assistant as entities (MQTT discovery): each monitor group as a problem binary sensor, appliances' power.on, people's presence.home, tanks' readings and each metered plug's energy.",
    }),
    prefix: z
      .string()
      .regex(/^[^#+/$][^#+]*[^#+/]$|^[^#+/$]$/, { message: "the discovery prefix is a plain topic: no '+', '#', no leading '$' and no '/' at either end" })
      .default("homeassistant")
      .meta({ description: "Home Assistant's discovery prefix (its MQTT integration's setting; homeassistant unless changed there)." }),
  })
  .meta({ description: "Hearth as seen from Home Assistant, when Home Assistant uses Hearth as its MQTT broker." });

export type HomeAssistantConfig = z.output<typeof HomeAssistantConfig>;
