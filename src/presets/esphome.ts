import { z } from "zod";
import type { CompiledRule } from "../pipeline/rule.js";
import { stateWords } from "../pipeline/value.js";
import { codeRule, definePreset, type PresetEmitter } from "./preset.js";

/**
 * ESPHome nodes with the MQTT component (esphome/esphome esphome/components/mqtt): each
 * entity's state as plain text on <topic_prefix>/<component>/<object_id>/state, the prefix
 * being the node name by default, and availability on <topic_prefix>/status (birth "online",
 * will "offline", retained). A sensor whose probe failed publishes `nan`. The state topics do
 * not say what a sensor measures, so readings are named by component and tagged with the
 * entity's object id; a text sensor's words are not numbers and are left out.
 */
const SOURCE = "source:esphome";

const COMPONENTS: Readonly<Record<string, { metric: string; tag: string }>> = {
  sensor: { metric: "sensor.value", tag: "sensor" },
  number: { metric: "sensor.value", tag: "sensor" },
  binary_sensor: { metric: "sensor.state", tag: "sensor" },
  switch: { metric: "power.relay", tag: "relay" },
};

/** A word that is not a number, a state or nan is a text state ("Normal"), not bad input. */
const WORD = /^[\p{L}][\p{L}\p{N} _.-]*$/u;
const NOT_A_NUMBER = /^[-+]?(nan|inf|infinity)$/i;
const SWITCH_STATES = stateWords({ on: 1, off: 0, true: 1, false: 0 });
const AVAILABILITY_STATES = stateWords({ online: 1, offline: 0 });

function readState(e: PresetEmitter, metric: string): void {
  const text = e.msg.text();
  if (!text.ok) return e.skip(metric, text.detail, text.reason);
  const t = text.value.trim();
  if (WORD.test(t) && !NOT_A_NUMBER.test(t) && !/^(on|off|true|false)$/i.test(t)) return e.skip(metric, `${JSON.stringify(t)} is a text state`);
  e.emit(metric, t, { states: SWITCH_STATES });
}

const EsphomeOptions = z
  .strictObject({
    topic_prefix: z
      .string()
      .regex(/(^|\/)\+device(\/|$)/, { message: 'the prefix must capture the node with "+device"' })
      .default("+device")
      .meta({ description: 'The nodes\' mqtt.topic_prefix: "+device" (default, the node name), or e.g. "garden/+device".' }),
  })
  .meta({ description: "ESPHome nodes publishing over MQTT." });

export const esphome = definePreset({
  name: "esphome",
  title: "ESPHome",
  options: EsphomeOptions,
  rules({ topic_prefix }): CompiledRule[] {
    const device = (c: Record<string, string>) => [`device:${c.device ?? ""}`, SOURCE];
    return [
      codeRule(`${topic_prefix}/status`, "esphome", device, (e) => {
        // <x>/status is a common topic: only ESPHome's two words are read, anything else is someone else's.
        const text = e.msg.text();
        if (!text.ok || !/^(online|offline)$/i.test(text.value.trim())) return e.skip("device.online", "not an ESPHome availability (online/offline)");
        e.emit("device.online", text.value, { states: AVAILABILITY_STATES });
      }),
      ...Object.entries(COMPONENTS).map(([component, { metric, tag }]) =>
        codeRule(
          `${topic_prefix}/${component}/+object/state`,
          "esphome",
          (c) => [...device(c), `${tag}:${c.object ?? ""}`],
          (e) => readState(e, metric),
        ),
      ),
    ];
  },
});
