import { z } from "zod";
import type { CompiledRule } from "../pipeline/rule.js";
import { codeRule, definePreset, type PresetEmitter } from "./preset.js";

/**
 * Shelly Gen1 (Plug S, 1PM, 2.5, EM…): one plain-text topic per reading under
 * shellies/<model>-<id>/ (Shelly Gen1 API, "MQTT" section; ioBroker.shelly
 * src/lib/devices/gen1/shellyplugs.ts), and on firmware 1.8+ the whole /status JSON on …/info.
 * Energy counters are watt-minutes (relay and meter `energy`, /status `meters[].total`) or Wh
 * (Shelly EM `total`); Hearth reports kWh like Tasmota.
 */
const WATT_MINUTES_PER_KWH = 60_000;
const WH_PER_KWH = 1000;

const SOURCE = "source:shelly";

/** relay/<n>: "on", "off", or "overpower" (the relay tripped on its power limit and is off). */
function readRelay(e: PresetEmitter): void {
  const text = e.msg.text();
  if (!text.ok) return e.skip("power.relay", text.detail, text.reason);
  const word = text.value.trim().toLowerCase();
  if (word !== "on" && word !== "off" && word !== "overpower") return e.skip("power.relay", `${JSON.stringify(text.value)} is not on, off or overpower`, "wrong_type");
  e.emit("power.relay", word === "on" ? 1 : 0);
  e.emit("power.overpower", word === "overpower" ? 1 : 0);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** …/info: the /status document (relays, meters, emeters, temperature, wifi_sta, uptime). */
function readInfo(e: PresetEmitter): void {
  const s = e.json();
  if (!isObject(s)) return;
  list(s.relays).forEach((r, i) => {
    const tags = [`relay:${i}`];
    e.emit("power.relay", r.ison, { tags });
    if ("overpower" in r) e.emit("power.overpower", r.overpower, { tags });
  });
  list(s.meters).forEach((m, i) => {
    const tags = [`relay:${i}`];
    if (m.is_valid === false) return e.skip("power.watts", `meters[${i}] is not valid (is_valid: false)`);
    e.emit("power.watts", m.power, { unit: "W", tags });
    e.emit("power.energy", m.total, { unit: "kWh", tags, divisor: WATT_MINUTES_PER_KWH });
  });
  list(s.emeters).forEach((m, i) => {
    const tags = [`channel:${i}`];
    if (m.is_valid === false) return e.skip("power.watts", `emeters[${i}] is not valid (is_valid: false)`);
    e.emit("power.watts", m.power, { unit: "W", tags });
    e.emit("power.reactive", m.reactive, { unit: "var", tags });
    e.emit("power.factor", m.pf, { tags });
    e.emit("power.voltage", m.voltage, { unit: "V", tags });
    e.emit("power.current", m.current, { unit: "A", tags });
    e.emit("power.energy", m.total, { unit: "kWh", tags, divisor: WH_PER_KWH });
    e.emit("power.energy_returned", m.total_returned, { unit: "kWh", tags, divisor: WH_PER_KWH });
  });
  const tmp = isObject(s.tmp) && s.tmp.is_valid !== false ? s.tmp.tC : s.temperature;
  if (tmp !== undefined) e.emit("device.temperature", tmp, { unit: "°C" });
  if ("overtemperature" in s) e.emit("device.overtemperature", s.overtemperature);
  if (isObject(s.wifi_sta) && "rssi" in s.wifi_sta) e.emit("device.wifi.signal", s.wifi_sta.rssi, { unit: "dBm" });
  if ("uptime" in s) e.emit("device.uptime", s.uptime, { unit: "s" });
}

/** A plain-text topic with one reading. */
const plain =
  (metric: string, opts: { unit?: string; divisor?: number } = {}) =>
  (e: PresetEmitter) => {
    const text = e.msg.text();
    if (!text.ok) return e.skip(metric, text.detail, text.reason);
    e.emit(metric, text.value, opts);
  };

export const ShellyGen1Options = z
  .strictObject({
    base: z
      .string()
      .regex(/(^|\/)\+device(\/|$)/, { message: 'the base topic must capture the device with "+device"' })
      .default("shellies/+device")
      .meta({ description: 'Where each device publishes: "shellies/+device" (default), +device capturing <model>-<id> or the custom MQTT id.' }),
  })
  .meta({ description: "Shelly Gen1 plugs, relays and energy meters." });

export const shellyGen1 = definePreset({
  name: "shelly_gen1",
  title: "Shelly Gen1",
  options: ShellyGen1Options,
  rules({ base }): CompiledRule[] {
    const t = (c: Record<string, string>, extra: string[] = []) => [`device:${c.device ?? ""}`, SOURCE, ...extra];
    const relay = (c: Record<string, string>) => t(c, [`relay:${c.relay ?? ""}`]);
    const channel = (c: Record<string, string>) => t(c, [`channel:${c.channel ?? ""}`]);
    const rule = (suffix: string, tags: (c: Record<string, string>) => string[], read: (e: PresetEmitter) => void) => codeRule(`${base}/${suffix}`, "shelly_gen1", tags, read);
    return [
      rule("online", t, plain("device.online")),
      rule("info", t, readInfo),
      rule("relay/+relay", relay, readRelay),
      rule("relay/+relay/power", relay, plain("power.watts", { unit: "W" })),
      rule("relay/+relay/energy", relay, plain("power.energy", { unit: "kWh", divisor: WATT_MINUTES_PER_KWH })),
      rule("emeter/+channel/power", channel, plain("power.watts", { unit: "W" })),
      rule("emeter/+channel/reactive_power", channel, plain("power.reactive", { unit: "var" })),
      rule("emeter/+channel/pf", channel, plain("power.factor")),
      rule("emeter/+channel/voltage", channel, plain("power.voltage", { unit: "V" })),
      rule("emeter/+channel/current", channel, plain("power.current", { unit: "A" })),
      rule("emeter/+channel/total", channel, plain("power.energy", { unit: "kWh", divisor: WH_PER_KWH })),
      rule("emeter/+channel/total_returned", channel, plain("power.energy_returned", { unit: "kWh", divisor: WH_PER_KWH })),
      rule("temperature", t, plain("device.temperature", { unit: "°C" })),
      rule("overtemperature", t, plain("device.overtemperature")),
    ];
  },
});
