import { z } from "zod";
import type { Message } from "../pipeline/message.js";
import type { CompiledRule } from "../pipeline/rule.js";
import { readValue } from "../pipeline/value.js";
import { codeRule, definePreset, layoutFilter, type PresetEmitter } from "./preset.js";
import type { PresetRuntime } from "./runtime.js";
import { emitUptime, readEnergy, readSensorObject, readStateTelemetry, sensorCovers, stateCovers } from "./tasmota-readings.js";

/**
 * Tasmota firmware (https://tasmota.github.io/docs/MQTT/). Topics follow each device's
 * FullTopic, "%prefix%/%topic%/" by default: telemetry on tele/<topic>/SENSOR and STATE every
 * TelePeriod, relay state on stat/<topic>/POWER (plain ON/OFF, or JSON {"POWER":"ON"}),
 * availability on tele/<topic>/LWT (Online/Offline, retained), and the replies to `Status 8`,
 * `Status 10` and `Status 11` on stat/<topic>/STATUSn. Sonoff-Tasmota 5.x also published its
 * ENERGY object on a topic of its own, tele/<topic>/ENERGY, and its uptime in hours on
 * tele/<topic>/UPTIME (docs/openHAB.md, "Discovering Interesting Topics").
 */
const PRESET = "tasmota";
const RELAY_KEY = /^POWER(\d*)$/;
/** The most odd values remembered (each reported once); past it, they are reported afresh. */
const MAX_ODD_VALUES = 1000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A relay word that is not ON or OFF, such as the `"POWER":"POWER"` that Sonoff-Tasmota 5.x put in
 * STATE (docs/openHAB.md): counted as bad input the first time a device sends it, then only shown
 * by `--explain`, so a device that always sends it does not fill the log.
 */
function oddRelayValue(e: PresetEmitter, odd: Map<string, true>, key: string, value: unknown): void {
  const id = `${e.msg.topic}\u0000${key}\u0000${String(value)}`;
  const why = `${JSON.stringify(value)} is not ON or OFF`;
  if (odd.has(id)) return e.skip("power.relay", `${why} (counted once, the first time this device sent it)`);
  if (odd.size >= MAX_ODD_VALUES) odd.clear();
  odd.set(id, true);
  e.skip("power.relay", why, "wrong_type");
}

function emitRelay(e: PresetEmitter, odd: Map<string, true>, key: string, n: string | undefined, value: unknown): void {
  if (typeof value === "string" && !readValue(value).ok) return oddRelayValue(e, odd, key, value);
  e.emit("power.relay", value, { tags: n ? [`relay:${n}`] : [] });
}

/** Relay state from a JSON object: every POWER / POWERn key. */
function readRelayKeys(e: PresetEmitter, odd: Map<string, true>, p: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(p)) {
    const m = RELAY_KEY.exec(key);
    if (m) emitRelay(e, odd, key, m[1], value);
  }
}

/** stat/…/POWER[n] and RESULT: a plain ON/OFF payload, or JSON with POWER keys. */
function readRelays(e: PresetEmitter, odd: Map<string, true>): void {
  const text = e.msg.text();
  if (text.ok && !text.value.trimStart().startsWith("{")) {
    const key = e.msg.topic.slice(e.msg.topic.lastIndexOf("/") + 1);
    return emitRelay(e, odd, key, RELAY_KEY.exec(key)?.[1], text.value);
  }
  const p = e.json();
  if (isObject(p)) readRelayKeys(e, odd, p);
}

/** The JSON object of a message, or undefined after recording why there is none. */
function object(e: PresetEmitter): Record<string, unknown> | undefined {
  const p = e.json();
  if (p === undefined) return undefined;
  if (!isObject(p)) return void e.skip("(payload)", "a Tasmota telemetry payload is a JSON object", "wrong_type");
  return p;
}

/** STATUS0/8/10/11 replies wrap the SENSOR object in StatusSNS and the STATE object in StatusSTS. */
function readStatus(e: PresetEmitter, odd: Map<string, true>): void {
  const p = object(e);
  if (!p) return;
  if (isObject(p.StatusSNS)) readSensorObject(e, p.StatusSNS);
  if (isObject(p.StatusSTS)) {
    readStateTelemetry(e, p.StatusSTS);
    readRelayKeys(e, odd, p.StatusSTS);
  }
}

const FullTopic = z
  .string()
  .regex(/%prefix%/, { message: "FullTopic must contain %prefix%" })
  .regex(/^[^+#]*$/, { message: "FullTopic has no MQTT wildcards: write %topic% where the device's topic goes" });

const DeviceName = z.string().regex(/^[^/+#\s]+$/, { message: "a device's Topic is one topic level, without /, + or #" });

/** A layout shared by several devices must say where each device's Topic goes, or they would all be one device. */
const SharedFullTopic = FullTopic.refine((t) => t.includes("%topic%") || t.includes("%hostname%"), {
  message: "a FullTopic shared by several devices needs %topic% (or %hostname%); a layout one device alone uses goes under `devices`",
});

const TasmotaOptions = z
  .strictObject({
    full_topic: z
      .union([SharedFullTopic, z.array(SharedFullTopic).min(1)])
      .default("%prefix%/%topic%/")
      .meta({ description: 'The devices\' FullTopic setting, e.g. "%prefix%/%topic%/" (default) or "%topic%/%prefix%/"; a list when devices differ.' }),
    devices: z
      .record(DeviceName, z.strictObject({ full_topic: FullTopic }))
      .optional()
      .meta({ description: 'Devices whose FullTopic differs from the others, by their Topic: {garage_meter: {full_topic: "energy/%topic%/%prefix%/"}}.' }),
  })
  .meta({ description: "Tasmota smart plugs and sensors." });

type Reader = (e: PresetEmitter) => void;

const withObject =
  (read: (e: PresetEmitter, p: Record<string, unknown>) => void): Reader =>
  (e) => {
    const p = object(e);
    if (p) read(e, p);
  };

function readOnline(e: PresetEmitter): void {
  const text = e.msg.text();
  if (!text.ok) return e.skip("device.online", text.detail, text.reason);
  e.emit("device.online", text.value);
}

export const tasmota = definePreset({
  name: PRESET,
  title: "Tasmota",
  options: TasmotaOptions,
  rules({ full_topic, devices }, runtime: PresetRuntime): CompiledRule[] {
    const odd = runtime.memory<true>(PRESET);
    const readers: [prefix: "tele" | "stat", suffix: string, read: Reader, covers?: CompiledRule["covers"]][] = [
      ["tele", "SENSOR", withObject(readSensorObject), sensorCovers],
      ["tele", "ENERGY", withObject(readEnergy)],
      ["tele", "STATE", withObject((e, p) => (readStateTelemetry(e, p), readRelayKeys(e, odd, p))), stateCovers],
      ["tele", "UPTIME", withObject(emitUptime)],
      ["tele", "LWT", readOnline],
      ["stat", "RESULT", (e) => readRelays(e, odd)],
      ...["POWER", ...Array.from({ length: 8 }, (_, i) => `POWER${i + 1}`)].map((t): ["stat", string, Reader] => ["stat", t, (e) => readRelays(e, odd)]),
      ...["STATUS0", "STATUS8", "STATUS10", "STATUS11"].map((t): ["stat", string, Reader] => ["stat", t, (e) => readStatus(e, odd)]),
    ];
    // Every layout gets every rule. A topic that two layouts both describe ("tele/tele/SENSOR"
    // under the default and "%topic%/%prefix%/") is read once, by the first rule that matches it:
    // the ingest stage hands all of a message's rules the same Message, one after the other, so
    // remembering the last one read is enough (and costs nothing per message, unlike a WeakSet).
    const layouts: { layout: string; device?: string }[] = [
      ...Object.entries(devices ?? {}).map(([device, d]) => ({ layout: d.full_topic, device })),
      ...(Array.isArray(full_topic) ? full_topic : [full_topic]).map((layout) => ({ layout })),
    ];
    const rules: CompiledRule[] = [];
    for (const [prefix, suffix, read, covers] of readers) {
      let last: Message | undefined;
      const once: Reader = (e) => {
        if (last === e.msg) return e.skip("(payload)", "already read by the rule of another FullTopic layout");
        last = e.msg;
        read(e);
      };
      const body = layouts.length > 1 ? once : read;
      for (const { layout, device } of layouts) {
        const tags = (c: Record<string, string>) => [`device:${device ?? c.device ?? ""}`, "source:tasmota"];
        rules.push(codeRule(layoutFilter(layout, prefix, suffix, device), PRESET, tags, body, covers ? { covers } : {}));
      }
    }
    return rules;
  },
});
