import { z } from "zod";
import type { CompiledRule } from "../pipeline/rule.js";
import { stateWords } from "../pipeline/value.js";
import { codeRule, definePreset, type PresetEmitter } from "./preset.js";
import type { PresetRuntime } from "./runtime.js";

/**
 * Zigbee2MQTT (https://www.zigbee2mqtt.io/guide/usage/mqtt_topics_and_messages.html): each
 * device's state as JSON on <base>/<friendly_name> (fields may be null), optionally each
 * attribute again on <base>/<friendly_name>/<attribute> as plain text (`output:
 * attribute_and_json`), availability on …/availability and the bridge's on <base>/bridge/state,
 * as JSON {"state":"online"} or, before 2.0, plain text. Friendly names may hold slashes,
 * spaces and any letters. Multi-channel devices suffix their keys: power_l1, state_l2.
 */
const SOURCE = "source:zigbee2mqtt";

interface Field {
  metric: string;
  unit?: string;
}

/** Exposed attributes and the metrics they become; units as Zigbee2MQTT documents them. */
const FIELDS: ReadonlyMap<string, Field> = new Map(
  Object.entries({
    power: { metric: "power.watts", unit: "W" },
    energy: { metric: "power.energy", unit: "kWh" },
    produced_energy: { metric: "power.energy_returned", unit: "kWh" },
    current: { metric: "power.current", unit: "A" },
    power_factor: { metric: "power.factor" },
    ac_frequency: { metric: "power.frequency", unit: "Hz" },
    linkquality: { metric: "device.linkquality", unit: "lqi" },
    battery: { metric: "device.battery", unit: "%" },
    device_temperature: { metric: "device.temperature", unit: "°C" },
    temperature: { metric: "sensor.temperature", unit: "°C" },
    humidity: { metric: "sensor.humidity", unit: "%" },
    pressure: { metric: "sensor.pressure", unit: "hPa" },
    illuminance_lux: { metric: "sensor.illuminance", unit: "lx" },
    co2: { metric: "sensor.co2", unit: "ppm" },
    occupancy: { metric: "sensor.occupancy" },
    contact: { metric: "sensor.contact" },
    water_leak: { metric: "sensor.water_leak" },
  }),
);

/** Keys that say a device meters mains power: its `voltage` is then mains volts, not a battery's millivolts. */
const METERING = /^(power|current|energy)(_l\d+)?$/;
const CHANNEL = /^(.+)_l(\d+)$/;
const SWITCH_STATES = stateWords({ on: 1, off: 0 });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** What we remember of a device: that it exists (so <name>/<attr> is an attribute) and whether it meters mains power. */
interface Known {
  metering: boolean;
}

function readAttribute(e: PresetEmitter, key: string, raw: unknown, metering: boolean, skipIlluminance: boolean): void {
  const ch = CHANNEL.exec(key);
  const name = ch ? ch[1]! : key;
  const tags = ch ? [`channel:${ch[2]}`] : [];
  if (name === "state") {
    if (typeof raw === "string" && !SWITCH_STATES.has(raw.toLowerCase())) return e.skip("power.relay", `state ${JSON.stringify(raw)} is not ON or OFF`);
    return e.emit("power.relay", raw, { tags, states: SWITCH_STATES });
  }
  if (name === "voltage") {
    // Mains plugs report volts; battery devices report their battery in millivolts.
    return metering ? e.emit("power.voltage", raw, { unit: "V", tags }) : e.emit("device.battery_voltage", raw, { unit: "mV", tags });
  }
  if (name === "illuminance") {
    // Zigbee2MQTT 2.0 reports lux here; 1.x sent a raw value beside illuminance_lux.
    return skipIlluminance ? undefined : e.emit("sensor.illuminance", raw, { unit: "lx", tags });
  }
  const f = FIELDS.get(name);
  if (f) e.emit(f.metric, raw, { ...(f.unit ? { unit: f.unit } : {}), tags });
}

function readState(e: PresetEmitter, state: Record<string, unknown>, known: Known): void {
  known.metering ||= Object.keys(state).some((k) => METERING.test(k));
  const hasLux = "illuminance_lux" in state;
  for (const [key, raw] of Object.entries(state)) readAttribute(e, key, raw, known.metering, hasLux);
}

/** Whether the preset reads a state key itself (with or without a channel suffix). */
const readsKey = (key: string): boolean => {
  const name = CHANNEL.exec(key)?.[1] ?? key;
  return name === "state" || name === "voltage" || name === "illuminance" || FIELDS.has(name);
};

/**
 * What Home Assistant discovery may add on the preset's topics: Zigbee2MQTT announces every
 * exposed value (lib/extension/homeassistant.ts) with `value_template: {{ value_json["<key>"] }}`
 * on the device's JSON topic. Keys the preset reads keep its names; the others (a breaker's
 * voltage_phase_b, a soil sensor's soil_moisture) come through discovery. The bridge's topics,
 * availability and commands are the preset's alone.
 */
function covers(path: readonly (string | number)[], captures: Record<string, string>): boolean {
  const levels = (captures.name ?? "").split("/");
  const last = levels[levels.length - 1]!;
  if (levels[0] === "bridge" || levels.includes("set") || last === "get" || last === "availability") return true;
  const key = path[0];
  return key === undefined || typeof key !== "string" || readsKey(key);
}

/** {"state":"online"} since 2.0, plain "online" before. */
function availability(e: PresetEmitter): void {
  const text = e.msg.text();
  if (!text.ok) return e.skip("device.online", text.detail, text.reason);
  const t = text.value.trim();
  if (t.startsWith("{")) {
    const p = e.json();
    if (isObject(p)) e.emit("device.online", p.state);
    return;
  }
  e.emit("device.online", t);
}

const Zigbee2mqttOptions = z
  .strictObject({
    base_topic: z
      .string()
      .min(1)
      .regex(/^[^#+]+$/, { message: "the base topic has no wildcards" })
      .default("zigbee2mqtt")
      .meta({ description: "Zigbee2MQTT's mqtt.base_topic (default zigbee2mqtt)." }),
  })
  .meta({ description: "Zigbee2MQTT devices and their bridge." });

export const zigbee2mqtt = definePreset({
  name: "zigbee2mqtt",
  title: "Zigbee2MQTT",
  options: Zigbee2mqttOptions,
  rules({ base_topic }, runtime: PresetRuntime): CompiledRule[] {
    const devices = runtime.memory<Known>("zigbee2mqtt");
    const bridge = `device:${base_topic.replaceAll("/", "_")}_bridge`;
    return [
      codeRule(
        `${base_topic}/#name`,
        "zigbee2mqtt",
        () => [SOURCE],
        (e) => {
          const name = e.captures.name ?? "";
          const levels = name.split("/");
          const last = levels[levels.length - 1]!;
          const parent = levels.slice(0, -1).join("/");
          if (levels[0] === "bridge") {
            // bridge/info, bridge/devices, bridge/logging… describe the bridge, they are not readings.
            if (name === "bridge/state") availability(e.withTags([bridge]));
            return;
          }
          // Commands to devices, from controllers: not readings.
          if (levels.includes("set") || last === "get") return;
          if (last === "availability" && parent) return availability(e.withTags([`device:${parent}`]));
          const text = e.msg.text();
          const json = text.ok && text.value.trimStart().startsWith("{") ? e.json() : undefined;
          if (isObject(json) && !devices.has(parent)) {
            const known = devices.get(name) ?? { metering: false };
            devices.set(name, known);
            return readState(e.withTags([`device:${name}`]), json, known);
          }
          if (!parent) return e.skip("(payload)", "a device's state is a JSON object", text.ok ? "wrong_type" : text.reason);
          const known = devices.get(parent);
          readAttribute(e.withTags([`device:${parent}`]), last, isObject(json) ? json : text.ok ? text.value : null, known?.metering ?? false, false);
        },
        { covers },
      ),
    ];
  },
});
