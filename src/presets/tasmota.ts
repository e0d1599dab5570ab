import { z } from "zod";
import { compileMapping } from "../pipeline/compile.js";
import type { CompiledRule } from "../pipeline/rule.js";
import { codeRule, definePreset, layoutFilter, type PresetEmitter } from "./preset.js";

/**
 * Tasmota firmware (https://tasmota.github.io/docs/MQTT/). Topics follow the device's
 * FullTopic, "%prefix%/%topic%/" by default: telemetry on tele/<topic>/SENSOR and STATE every
 * TelePeriod, relay state on stat/<topic>/POWER (plain ON/OFF, or JSON {"POWER":"ON"}), and
 * availability on tele/<topic>/LWT (Online/Offline, retained).
 */

/** ENERGY fields of a power-metering plug (docs/devices/Sonoff-Pow-R2.md); Total/Today/Yesterday are kWh. */
const ENERGY_FIELDS: readonly { field: string; metric: string; unit?: string }[] = [
  { field: "Power", metric: "power.watts", unit: "W" },
  { field: "ApparentPower", metric: "power.apparent", unit: "VA" },
  { field: "ReactivePower", metric: "power.reactive", unit: "var" },
  { field: "Factor", metric: "power.factor" },
  { field: "Voltage", metric: "power.voltage", unit: "V" },
  { field: "Current", metric: "power.current", unit: "A" },
  { field: "Frequency", metric: "power.frequency", unit: "Hz" },
  { field: "Total", metric: "power.energy", unit: "kWh" },
  { field: "Today", metric: "power.energy_today", unit: "kWh" },
  { field: "Yesterday", metric: "power.energy_yesterday", unit: "kWh" },
];

/** Readings of attached sensors, found under the sensor's name (DS18B20, AM2301, BME280, HX711…). */
const SENSOR_FIELDS: readonly { field: string; metric: string; unit?: (payload: Record<string, unknown>) => string | undefined }[] = [
  { field: "Temperature", metric: "sensor.temperature", unit: (p) => (p.TempUnit === "F" ? "°F" : "°C") },
  { field: "Humidity", metric: "sensor.humidity", unit: () => "%" },
  { field: "DewPoint", metric: "sensor.dew_point", unit: (p) => (p.TempUnit === "F" ? "°F" : "°C") },
  { field: "Pressure", metric: "sensor.pressure", unit: (p) => (typeof p.PressureUnit === "string" ? p.PressureUnit : "hPa") },
  { field: "Illuminance", metric: "sensor.illuminance", unit: () => "lx" },
  { field: "CarbonDioxide", metric: "sensor.co2", unit: () => "ppm" },
  { field: "Weight", metric: "sensor.weight", unit: () => "kg" },
];

const RELAY_KEY = /^POWER(\d*)$/;
const SWITCH_KEY = /^Switch(\d+)$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A number, or one value per channel on multi-channel meters ("Current":[1.320,2.100]). */
function emitChannels(e: PresetEmitter, metric: string, raw: unknown, unit: string | undefined): void {
  if (Array.isArray(raw)) raw.forEach((v, i) => e.emit(metric, v, { unit, tags: [`channel:${i + 1}`] }));
  else e.emit(metric, raw, { unit });
}

function readSensor(e: PresetEmitter): void {
  const p = e.json();
  if (!isObject(p)) return;
  const energy = p.ENERGY;
  if (isObject(energy)) for (const f of ENERGY_FIELDS) if (f.field in energy) emitChannels(e, f.metric, energy[f.field], f.unit);
  for (const [name, value] of Object.entries(p)) {
    const sw = SWITCH_KEY.exec(name);
    if (sw) e.emit("sensor.switch", value, { tags: [`switch:${sw[1]}`] });
    if (!isObject(value) || name === "ENERGY") continue;
    if (name === "ANALOG") {
      for (const [input, v] of Object.entries(value)) e.emit("sensor.analog", v, { tags: [`input:${input}`] });
      continue;
    }
    for (const f of SENSOR_FIELDS) if (f.field in value) e.emit(f.metric, value[f.field], { unit: f.unit?.(p), tags: [`sensor:${name}`] });
  }
}

/** Relay state from STATE, RESULT or POWER: every POWER / POWERn key, or a plain ON/OFF payload. */
function readRelays(e: PresetEmitter): void {
  const text = e.msg.text();
  if (text.ok && !text.value.trimStart().startsWith("{")) {
    const n = RELAY_KEY.exec(e.msg.topic.slice(e.msg.topic.lastIndexOf("/") + 1))?.[1];
    e.emit("power.relay", text.value, { tags: n ? [`relay:${n}`] : [] });
    return;
  }
  const p = e.json();
  if (!isObject(p)) return;
  for (const [key, value] of Object.entries(p)) {
    const m = RELAY_KEY.exec(key);
    if (m) e.emit("power.relay", value, { tags: m[1] ? [`relay:${m[1]}`] : [] });
  }
}

export const TasmotaOptions = z
  .strictObject({
    full_topic: z
      .string()
      .regex(/%prefix%/, { message: "FullTopic must contain %prefix%" })
      .default("%prefix%/%topic%/")
      .meta({ description: "The devices' FullTopic setting, e.g. \"%prefix%/%topic%/\" (default) or \"%topic%/%prefix%/\"." }),
  })
  .meta({ description: "Tasmota smart plugs and sensors." });

export const tasmota = definePreset({
  name: "tasmota",
  title: "Tasmota",
  options: TasmotaOptions,
  rules({ full_topic }): CompiledRule[] {
    const tele = (s: string) => layoutFilter(full_topic, "tele", s);
    const stat = (s: string) => layoutFilter(full_topic, "stat", s);
    const tags = (c: Record<string, string>) => [`device:${c.device ?? ""}`, "source:tasmota"];
    const table = (topic: string, samples: { metric: string; path?: string; unit?: string }[]) =>
      compileMapping(
        { topic, tags: ["device:{device}", "source:tasmota"], kind: "gauge", samples: samples.map((s) => ({ kind: "gauge" as const, tags: [], ...s })) },
        { kind: "preset", preset: "tasmota" },
      );
    return [
      codeRule(tele("SENSOR"), "tasmota", tags, readSensor),
      table(tele("STATE"), [
        { metric: "device.uptime", path: "UptimeSec", unit: "s" },
        { metric: "device.heap", path: "Heap", unit: "kB" },
        { metric: "device.load_avg", path: "LoadAvg" },
        { metric: "device.wifi.rssi", path: "Wifi.RSSI", unit: "%" },
        { metric: "device.wifi.signal", path: "Wifi.Signal", unit: "dBm" },
      ]),
      codeRule(tele("STATE"), "tasmota", tags, readRelays),
      table(tele("LWT"), [{ metric: "device.online" }]),
      codeRule(stat("RESULT"), "tasmota", tags, readRelays),
      ...["POWER", ...Array.from({ length: 8 }, (_, i) => `POWER${i + 1}`)].map((t) => codeRule(stat(t), "tasmota", tags, readRelays)),
    ];
  },
});
