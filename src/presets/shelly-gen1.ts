import { z } from "zod";
import type { CompiledRule } from "../pipeline/rule.js";
import { codeRule, definePreset, type PresetEmitter } from "./preset.js";

/**
 * Shelly Gen1 (Plug S, 1PM, 2.5, EM…): one plain-text topic per reading under
 * shellies/<model>-<id>/ (Shelly Gen1 API, "MQTT" section; ioBroker.shelly
 * src/lib/devices/gen1/shellyplugs.ts), and on firmware 1.8+ the whole /status JSON on …/info.
 * Energy counters are watt-minutes (relay, roller and meter `energy`, /status `meters[].total`)
 * or Wh (Shelly EM `total`); Hearth reports kWh like Tasmota. A Shelly 2/2.5 in roller (cover)
 * mode publishes under roller/<n> instead of relay/<n> (Shelly Gen1 API, Shelly2.5 "MQTT":
 * https://shelly-api-docs.shelly.cloud/gen1/#shelly2-5-mqtt): its power and energy are the same
 * metrics as a relay's, tagged roller:<n>.
 */
const WATT_MINUTES_PER_KWH = 60_000;
const WH_PER_KWH = 1000;

const SOURCE = "source:shelly";

/** relay/<n>: "on", "off", or "overpower" (the relay tripped on its power limit and is off). */
function readRelay(e: PresetEmitter): void {
  const text = e.msg.text();
  if (!text.ok) return e.skip("power.relay", text.detail, text.reason);
  const word = text.value.trim().toLowerCase();
  if (word !== "on" && word !== "off" && word !== "overpower")
    return e.skip("power.relay", `${JSON.stringify(text.value)} is not on, off or overpower`, "wrong_type");
  e.emit("power.relay", word === "on" ? 1 : 0);
  e.emit("power.overpower", word === "overpower" ? 1 : 0);
}

/**
 * roller/<n>: "open", "close" or "stop", what the motor is doing (CoAP's roller state, range
 * "open/close/stop": ioBroker.shelly lib/devices/gen1/shellyswitch25.js). As a number, the
 * direction of travel: 1 opening, -1 closing, 0 stopped.
 */
const ROLLER_DIRECTION: ReadonlyMap<string, number> = new Map([
  ["open", 1],
  ["close", -1],
  ["stop", 0],
]);

function emitRollerState(e: PresetEmitter, word: unknown, tags: string[] = []): void {
  const direction = typeof word === "string" ? ROLLER_DIRECTION.get(word.trim().toLowerCase()) : undefined;
  if (direction === undefined) return e.skip("cover.direction", `${JSON.stringify(word)} is not open, close or stop`, "wrong_type");
  e.emit("cover.direction", direction, { tags });
}

function readRollerState(e: PresetEmitter): void {
  const text = e.msg.text();
  if (!text.ok) return e.skip("cover.direction", text.detail, text.reason);
  emitRollerState(e, text.value);
}

/** roller/<n>/pos: 0 (closed) to 100 (open), or -1 while the roller is not calibrated (no position to report). */
function emitRollerPosition(e: PresetEmitter, raw: unknown, tags: string[] = []): void {
  if (Number(raw) === -1) return e.skip("cover.position", "the roller is not calibrated (position -1)");
  e.emit("cover.position", raw, { unit: "%", tags });
}

function readRollerPosition(e: PresetEmitter): void {
  const text = e.msg.text();
  if (!text.ok) return e.skip("cover.position", text.detail, text.reason);
  emitRollerPosition(e, text.value.trim());
}

/**
 * roller/<n>/stop_reason: why the motor last stopped, one of normal, safety_switch, obstacle,
 * overpower (CoAP rollerStopReason). An overpower stop is the relays' power.overpower; the
 * other two have their own flags, so a monitor can watch for a blocked blind.
 */
const STOP_REASONS = new Set(["normal", "safety_switch", "obstacle", "overpower"]);

function readRollerStopReason(e: PresetEmitter): void {
  const text = e.msg.text();
  if (!text.ok) return e.skip("cover.obstacle", text.detail, text.reason);
  const reason = text.value.trim().toLowerCase();
  if (!STOP_REASONS.has(reason))
    return e.skip("cover.obstacle", `${JSON.stringify(text.value)} is not normal, safety_switch, obstacle or overpower`, "wrong_type");
  e.emit("power.overpower", reason === "overpower" ? 1 : 0);
  e.emit("cover.obstacle", reason === "obstacle" ? 1 : 0);
  e.emit("cover.safety_switch", reason === "safety_switch" ? 1 : 0);
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
  const rollers = list(s.rollers);
  rollers.forEach((r, i) => {
    const tags = [`roller:${i}`];
    emitRollerState(e, r.state, tags);
    if (r.is_valid === false) return e.skip("power.watts", `rollers[${i}] is not valid (is_valid: false)`);
    e.emit("power.watts", r.power, { unit: "W", tags });
    if ("current_pos" in r) emitRollerPosition(e, r.current_pos, tags);
  });
  // In roller mode the two meters are the motor's two windings, not relays: the roller's energy
  // comes on roller/<n>/energy.
  if (rollers.length > 0 && list(s.meters).length > 0)
    e.skip("power.energy", "roller mode: the meters are the motor's windings; energy is read from roller/<n>/energy");
  if (rollers.length === 0)
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

const ShellyGen1Options = z
  .strictObject({
    base: z
      .string()
      .regex(/(^|\/)\+device(\/|$)/, { message: 'the base topic must capture the device with "+device"' })
      .default("shellies/+device")
      .meta({ description: 'Where each device publishes: "shellies/+device" (default), +device capturing <model>-<id> or the custom MQTT id.' }),
  })
  .meta({ description: "Shelly Gen1 plugs, relays, rollers (covers) and energy meters." });

export const shellyGen1 = definePreset({
  name: "shelly_gen1",
  title: "Shelly Gen1",
  options: ShellyGen1Options,
  rules({ base }): CompiledRule[] {
    const t = (c: Record<string, string>, extra: string[] = []) => [`device:${c.device ?? ""}`, SOURCE, ...extra];
    const relay = (c: Record<string, string>) => t(c, [`relay:${c.relay ?? ""}`]);
    const channel = (c: Record<string, string>) => t(c, [`channel:${c.channel ?? ""}`]);
    const roller = (c: Record<string, string>) => t(c, [`roller:${c.roller ?? ""}`]);
    const rule = (suffix: string, tags: (c: Record<string, string>) => string[], read: (e: PresetEmitter) => void) =>
      codeRule(`${base}/${suffix}`, "shelly_gen1", tags, read);
    return [
      rule("online", t, plain("device.online")),
      rule("info", t, readInfo),
      rule("relay/+relay", relay, readRelay),
      rule("relay/+relay/power", relay, plain("power.watts", { unit: "W" })),
      rule("relay/+relay/energy", relay, plain("power.energy", { unit: "kWh", divisor: WATT_MINUTES_PER_KWH })),
      rule("roller/+roller", roller, readRollerState),
      rule("roller/+roller/pos", roller, readRollerPosition),
      rule("roller/+roller/power", roller, plain("power.watts", { unit: "W" })),
      rule("roller/+roller/energy", roller, plain("power.energy", { unit: "kWh", divisor: WATT_MINUTES_PER_KWH })),
      rule("roller/+roller/stop_reason", roller, readRollerStopReason),
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
