import { z } from "zod";
import type { CompiledRule } from "../pipeline/rule.js";
import { stateWords } from "../pipeline/value.js";
import { codeRule, definePreset } from "./preset.js";

/**
 * ESPresense room nodes (ESPresense/ESPresense.com src/content/docs/configuration/mqtt.md):
 * each node is named after its room and says online/offline on espresense/rooms/<room>/status
 * (its will, retained), and how far it hears each tracked phone or beacon on
 * espresense/devices/<id>/<room> as JSON with `distance` in metres. The other retained topics
 * under rooms/<room>/ are the node's settings (max_distance, absorption…), not readings.
 */
const SOURCE = "source:espresense";
const AVAILABILITY_STATES = stateWords({ online: 1, offline: 0 });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const EspresenseOptions = z
  .strictObject({
    base_topic: z
      .string()
      .min(1)
      .regex(/^[^#+]+$/, { message: "the base topic has no wildcards" })
      .default("espresense")
      .meta({ description: "The nodes' MQTT prefix (default espresense)." }),
  })
  .meta({ description: "ESPresense room-presence nodes." });

export const espresense = definePreset({
  name: "espresense",
  title: "ESPresense",
  options: EspresenseOptions,
  rules({ base_topic }): CompiledRule[] {
    return [
      codeRule(
        `${base_topic}/rooms/+room/status`,
        "espresense",
        (c) => [`device:${c.room ?? ""}`, `room:${c.room ?? ""}`, SOURCE],
        (e) => {
          const text = e.msg.text();
          if (!text.ok) return e.skip("device.online", text.detail, text.reason);
          e.emit("device.online", text.value, { states: AVAILABILITY_STATES });
        },
      ),
      codeRule(
        `${base_topic}/devices/+beacon/+room`,
        "espresense",
        (c) => [`beacon:${c.beacon ?? ""}`, `room:${c.room ?? ""}`, SOURCE],
        (e) => {
          const p = e.json();
          if (isObject(p)) e.emit("presence.distance", p.distance, { unit: "m" });
        },
      ),
    ];
  },
});
