import { z } from "zod";
import { esphome } from "./esphome.js";
import { espresense } from "./espresense.js";
import { haDiscovery } from "./ha-discovery/index.js";
import type { Preset } from "./preset.js";
import { shellyGen1 } from "./shelly-gen1.js";
import { shellyGen2 } from "./shelly-gen2.js";
import { tasmota } from "./tasmota.js";
import { zigbee2mqtt } from "./zigbee2mqtt.js";

/** Every device preset, one line each. The key is the name written in `presets:`. */
export const PRESETS: Record<string, Preset> = {
  tasmota,
  shelly_gen1: shellyGen1,
  shelly_gen2: shellyGen2,
  zigbee2mqtt,
  esphome,
  espresense,
  ha_discovery: haDiscovery,
};

const names = Object.keys(PRESETS) as [string, ...string[]];

/**
 * `presets: [tasmota, shelly_gen1]` enables presets with their defaults; the map form sets
 * options (`tasmota: {full_topic: "%topic%/%prefix%/"}`) or turns one off (`tasmota: false`).
 */
export const PresetsConfig = z
  .union([
    z.array(z.enum(names)),
    z.strictObject(
      Object.fromEntries(Object.entries(PRESETS).map(([n, p]) => [n, z.union([z.boolean(), p.options]).optional()])) as Record<
        string,
        z.ZodOptional<z.ZodType>
      >,
    ),
  ])
  .meta({ description: "Device families to understand out of the box: a list of names, or a map of name to options (or false to turn one off)." });

/** Enabled presets and their parsed options, after every rules file has had its say. */
export type EnabledPresets = Map<string, unknown>;
