import { z } from "zod";
import type { CompiledRule } from "../pipeline/rule.js";
import { codeRule, definePreset, type PresetEmitter } from "./preset.js";
import type { PresetRuntime } from "./runtime.js";

/**
 * Shelly Gen2 and Gen3 (Plus, Pro, Mini): RPC devices whose topic prefix is the device id by
 * default, with no shellies/ in front (https://shelly-api-docs.shelly.cloud/gen2/ComponentsAndServices/Mqtt).
 * <prefix>/online is true/false; <prefix>/status/<component> carries a component's whole status
 * (when "generic status update over MQTT" is on); <prefix>/events/rpc carries NotifyStatus
 * with only the keys that changed (…/General/Notifications). Each change is laid over the
 * component's last known status, and the whole status is read again, so a reading that did not
 * change stays current beside one that did.
 */
const WH_PER_KWH = 1000;
const SOURCE = "source:shelly";

type Status = Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Readings of a metering component (Switch, PM1): …/ComponentsAndServices/Switch#status. */
function readMeter(e: PresetEmitter, s: Status, tags: string[]): void {
  const has = (k: string) => k in s;
  if (has("output")) e.emit("power.relay", s.output, { tags });
  if (has("apower")) e.emit("power.watts", s.apower, { unit: "W", tags });
  if (has("voltage")) e.emit("power.voltage", s.voltage, { unit: "V", tags });
  if (has("current")) e.emit("power.current", s.current, { unit: "A", tags });
  if (has("freq")) e.emit("power.frequency", s.freq, { unit: "Hz", tags });
  if (has("pf")) e.emit("power.factor", s.pf, { tags });
  // aenergy.total is Wh (by_minute is mWh per minute and is not read); Gen3 adds ret_aenergy for returned energy.
  if (isObject(s.aenergy)) e.emit("power.energy", s.aenergy.total, { unit: "kWh", tags, divisor: WH_PER_KWH });
  if (isObject(s.ret_aenergy)) e.emit("power.energy_returned", s.ret_aenergy.total, { unit: "kWh", tags, divisor: WH_PER_KWH });
  if (isObject(s.temperature)) e.emit("device.temperature", s.temperature.tC, { unit: "°C", tags });
}

/** Which components are read, and how each is tagged. */
function readComponent(e: PresetEmitter, component: string, s: Status): void {
  const [type, id] = component.split(":");
  if (type === "switch") return readMeter(e, s, [`relay:${id ?? "0"}`]);
  if (type === "pm1") return readMeter(e, s, [`channel:${id ?? "0"}`]);
  if (type === "sys" && "uptime" in s) return e.emit("device.uptime", s.uptime, { unit: "s" });
  if (type === "wifi" && "rssi" in s) return e.emit("device.wifi.signal", s.rssi, { unit: "dBm" });
}

const READ = /^(switch|pm1):\d+$|^(sys|wifi)$/;

const ShellyGen2Options = z
  .strictObject({
    prefix: z
      .string()
      .regex(/(^|\/)\+device(\/|$)/, { message: 'the prefix must capture the device with "+device"' })
      .default("+device")
      .meta({ description: 'The devices\' MQTT topic prefix: "+device" (default, the device id such as shellyplus1pm-4417939a5610), or e.g. "home/+device".' }),
  })
  .meta({ description: "Shelly Gen2 and Gen3 plugs and relays (Plus, Pro, Mini)." });

export const shellyGen2 = definePreset({
  name: "shelly_gen2",
  title: "Shelly Gen2/Gen3",
  options: ShellyGen2Options,
  rules({ prefix }, runtime: PresetRuntime): CompiledRule[] {
    /** The last known status per device and component ("<device> switch:0"). */
    const last = runtime.memory<Status>("shelly_gen2");
    const tags = (c: Record<string, string>) => [`device:${c.device ?? ""}`, SOURCE];
    const update = (e: PresetEmitter, component: string, status: Status, replace: boolean) => {
      const key = `${e.captures.device ?? ""} ${component}`;
      const merged = replace ? { ...status } : { ...last.get(key), ...status };
      last.set(key, merged);
      readComponent(e, component, merged);
    };
    return [
      // <x>/online and <x>/status/… are common topics: what does not look like a Shelly's is someone else's, not bad input.
      codeRule(`${prefix}/online`, "shelly_gen2", tags, (e) => {
        const text = e.msg.text();
        if (!text.ok || !/^(true|false)$/.test(text.value.trim())) return e.skip("device.online", "not a Shelly availability (true/false)");
        e.emit("device.online", text.value);
      }),
      codeRule(`${prefix}/status/+component`, "shelly_gen2", tags, (e) => {
        const component = e.captures.component ?? "";
        if (!READ.test(component)) return e.skip("(status)", `component "${component}" is not read`);
        const text = e.msg.text();
        if (!text.ok || !text.value.trimStart().startsWith("{")) return e.skip("(status)", "not a Shelly status document (JSON)");
        const s = e.json();
        if (isObject(s)) update(e, component, s, true);
        else if (s !== undefined) e.skip("(status)", "the status is not a JSON object", "wrong_type");
      }),
      codeRule(`${prefix}/events/rpc`, "shelly_gen2", tags, (e) => {
        const frame = e.json();
        if (!isObject(frame)) return;
        if (frame.method !== "NotifyStatus" && frame.method !== "NotifyFullStatus") return e.skip("(event)", `${String(frame.method)} carries no status`);
        if (!isObject(frame.params)) return e.skip("(event)", "the notification has no params", "wrong_type");
        for (const [component, status] of Object.entries(frame.params)) {
          if (READ.test(component) && isObject(status)) update(e, component, status, frame.method === "NotifyFullStatus");
        }
      }),
    ];
  },
});
