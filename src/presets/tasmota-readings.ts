import type { PresetEmitter } from "./preset.js";

/**
 * What Tasmota's payloads hold, topic by topic (https://tasmota.github.io/docs/MQTT/), from the
 * firmware of today back to Sonoff-Tasmota 5.x: the SENSOR object (ENERGY and attached sensors),
 * the STATE object (telemetry and relays), and the same objects wrapped in STATUSn replies.
 */

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

interface EnergyField {
  metric: string;
  unit?: string;
  /** The tag an array's positions get: phases and channels of a meter, or its tariffs. */
  per?: "channel" | "tariff";
}

/**
 * ENERGY fields and their metrics (docs/devices/Sonoff-Pow-R2.md; Total/Today/Yesterday and the
 * export/import counters are kWh). `Load` is the Teleinfo driver's share of the subscribed power
 * in % (docs/Teleinfo.md: 1 A drawn of ISOUSC 15 A gives "Load":6). Since 9.x multi-tariff meters
 * send `"Total":33.736,"TotalTariff":[11.717,16.978]` (docs/changelog.md), so a tariff array is
 * per tariff, and any other array is per phase or channel ("Current":[1.320,2.100], docs/Rules.md).
 */
const ENERGY_FIELDS: ReadonlyMap<string, EnergyField> = new Map([
  ["Power", { metric: "power.watts", unit: "W" }],
  ["ApparentPower", { metric: "power.apparent", unit: "VA" }],
  ["ReactivePower", { metric: "power.reactive", unit: "var" }],
  ["Factor", { metric: "power.factor" }],
  ["Voltage", { metric: "power.voltage", unit: "V" }],
  ["Current", { metric: "power.current", unit: "A" }],
  ["Frequency", { metric: "power.frequency", unit: "Hz" }],
  ["Total", { metric: "power.energy", unit: "kWh" }],
  ["Today", { metric: "power.energy_today", unit: "kWh" }],
  ["Yesterday", { metric: "power.energy_yesterday", unit: "kWh" }],
  ["ExportActive", { metric: "power.energy_returned", unit: "kWh" }],
  ["ImportActive", { metric: "power.energy_imported", unit: "kWh" }],
  ["ExportReactive", { metric: "power.reactive_energy_returned", unit: "kvarh" }],
  ["ImportReactive", { metric: "power.reactive_energy_imported", unit: "kvarh" }],
  ["TotalTariff", { metric: "power.energy_tariff", unit: "kWh", per: "tariff" }],
  ["ExportTariff", { metric: "power.energy_returned_tariff", unit: "kWh", per: "tariff" }],
  ["Load", { metric: "power.load", unit: "%" }],
]);

/**
 * ENERGY fields that are not readings: when the counters started, and `Period`, the energy of the
 * last TelePeriod in Wh, which depends on when the device happened to publish (the kWh counters
 * carry the same energy without that).
 */
const NOT_READINGS = new Set(["TotalStartTime", "Period"]);

/** CamelCase field names as metric words: "PhaseAngle" → "phase_angle". */
const snake = (field: string) => field.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();

const isNumberish = (v: unknown) => typeof v === "number" || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "number"));

/** Emit options per unit, made once: the hot path (every SENSOR of every plug) allocates none. */
const UNIT_OPTIONS = new Map<string | undefined, { unit?: string }>();
const unitOptions = (unit: string | undefined) => {
  let o = UNIT_OPTIONS.get(unit);
  if (!o) UNIT_OPTIONS.set(unit, (o = unit ? { unit } : {}));
  return o;
};

function emitEnergy(e: PresetEmitter, { metric, unit, per = "channel" }: EnergyField, raw: unknown): void {
  if (Array.isArray(raw)) raw.forEach((v, i) => e.emit(metric, v, { ...unitOptions(unit), tags: [`${per}:${i + 1}`] }));
  else e.emit(metric, raw, unitOptions(unit));
}

/** One ENERGY object: its documented fields by name, then another numeric field (a newer meter's) as power.<field>. */
export function readEnergy(e: PresetEmitter, energy: Record<string, unknown>): void {
  for (const [field, f] of ENERGY_FIELDS) {
    const raw = energy[field];
    if (raw !== undefined && Object.hasOwn(energy, field)) emitEnergy(e, f, raw);
  }
  for (const field in energy) {
    if (ENERGY_FIELDS.has(field) || NOT_READINGS.has(field) || !Object.hasOwn(energy, field)) continue;
    const raw = energy[field];
    if (isNumberish(raw)) emitEnergy(e, { metric: `power.${snake(field)}` }, raw);
  }
}

/** Readings of attached sensors, found under the sensor's name (DS18B20, AM2301, BME280, HX711…). */
const SENSOR_FIELDS: ReadonlyMap<string, { metric: string; unit: (payload: Record<string, unknown>) => string | undefined }> = new Map([
  ["Temperature", { metric: "sensor.temperature", unit: (p) => (p.TempUnit === "F" ? "°F" : "°C") }],
  ["Humidity", { metric: "sensor.humidity", unit: () => "%" }],
  ["DewPoint", { metric: "sensor.dew_point", unit: (p) => (p.TempUnit === "F" ? "°F" : "°C") }],
  ["Pressure", { metric: "sensor.pressure", unit: (p) => (typeof p.PressureUnit === "string" ? p.PressureUnit : "hPa") }],
  ["Illuminance", { metric: "sensor.illuminance", unit: () => "lx" }],
  ["CarbonDioxide", { metric: "sensor.co2", unit: () => "ppm" }],
  ["Weight", { metric: "sensor.weight", unit: () => "kg" }],
]);

const SWITCH_KEY = /^Switch(\d+)$/;

/** A SENSOR object (tele/…/SENSOR, or StatusSNS of a STATUS8/STATUS10 reply). */
export function readSensorObject(e: PresetEmitter, p: Record<string, unknown>): void {
  if (isObject(p.ENERGY)) readEnergy(e, p.ENERGY);
  for (const [name, value] of Object.entries(p)) {
    const sw = SWITCH_KEY.exec(name);
    if (sw) e.emit("sensor.switch", value, { tags: [`switch:${sw[1]}`] });
    if (!isObject(value) || name === "ENERGY") continue;
    if (name === "ANALOG") {
      for (const [input, v] of Object.entries(value)) e.emit("sensor.analog", v, { tags: [`input:${input}`] });
      continue;
    }
    for (const [field, v] of Object.entries(value)) {
      const f = SENSOR_FIELDS.get(field);
      if (f) e.emit(f.metric, v, { unit: f.unit(p), tags: [`sensor:${name}`] });
    }
  }
}

const SECONDS_PER_HOUR = 3600;
/** "0T00:00:13" (6.x and later), "1 02:33:26" (docs/JSON-Status-Responses.md): days, then h:m:s. */
const DURATION = /^(\d+)[T ](\d{1,2}):(\d{2}):(\d{2})$/;

/**
 * Uptime in seconds. Today's firmware sends UptimeSec beside a duration text; Sonoff-Tasmota 5.x
 * sent `"Uptime":68` alone, a count of hours: its sonoff.ino adds one to `uptime` once an hour
 * (when the clock's minute is 2) and publishes it on tele/<topic>/UPTIME and in STATE
 * (docs/openHAB.md shows one such device: "Uptime":68 at 12:02 and still at 12:11).
 */
export function emitUptime(e: PresetEmitter, p: Record<string, unknown>): void {
  if ("UptimeSec" in p) return e.emit("device.uptime", p.UptimeSec, { unit: "s" });
  const up = p.Uptime;
  if (up === undefined) return;
  if (typeof up === "number") return e.emit("device.uptime", up * SECONDS_PER_HOUR, { unit: "s" });
  const d = typeof up === "string" ? DURATION.exec(up.trim()) : null;
  if (!d) return e.skip("device.uptime", `Uptime ${JSON.stringify(up)} is not hours or a d'T'hh:mm:ss duration`, "wrong_type");
  e.emit("device.uptime", Number(d[1]) * 86_400 + Number(d[2]) * 3600 + Number(d[3]) * 60 + Number(d[4]), { unit: "s" });
}

/** A STATE object (tele/…/STATE, or StatusSTS of a STATUS11 reply), relays aside. */
export function readStateTelemetry(e: PresetEmitter, p: Record<string, unknown>): void {
  emitUptime(e, p);
  if ("Heap" in p) e.emit("device.heap", p.Heap, { unit: "kB" });
  if ("LoadAvg" in p) e.emit("device.load_avg", p.LoadAvg);
  const wifi = p.Wifi;
  if (isObject(wifi)) {
    if ("RSSI" in wifi) e.emit("device.wifi.rssi", wifi.RSSI, { unit: "%" });
    if ("Signal" in wifi) e.emit("device.wifi.signal", wifi.Signal, { unit: "dBm" });
  }
}

/**
 * Whether the preset reads a SENSOR value itself, for Home Assistant discovery on the same topic
 * (Tasmota's legacy discovery announced `{{value_json['ENERGY'].Today}}`): ENERGY, ANALOG and
 * the switches entirely, an attached sensor's known fields.
 */
export function sensorCovers(path: readonly (string | number)[]): boolean {
  const [key, field] = path;
  if (typeof key !== "string") return true;
  if (key === "ENERGY" || key === "ANALOG" || SWITCH_KEY.test(key)) return true;
  return typeof field === "string" && SENSOR_FIELDS.has(field);
}

const STATE_KEYS = new Set(["UptimeSec", "Uptime", "Heap", "LoadAvg", "Wifi"]);

/** Whether the preset reads a STATE value itself: the telemetry above and the relays. */
export function stateCovers(path: readonly (string | number)[]): boolean {
  const [key] = path;
  return typeof key !== "string" || STATE_KEYS.has(key) || /^POWER\d*$/.test(key);
}
