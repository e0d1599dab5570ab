/**
 * What a discovered sensor measures, so it gets the metric and unit the presets use
 * (power.watts in W, power.energy in kWh…). The unit decides first, being what the numbers
 * are in: Tasmota 7 announced its kWh counters with device_class "power" (arendst/Tasmota#7097).
 * Then the device class (https://www.home-assistant.io/integrations/sensor/#device-class);
 * anything else is sensor.value in its own unit.
 */
export interface Naming {
  metric: string;
  unit: string | undefined;
  multiplier?: number;
  divisor?: number;
}

const BY_UNIT: ReadonlyMap<string, Naming> = new Map(
  Object.entries({
    W: { metric: "power.watts", unit: "W" },
    kW: { metric: "power.watts", unit: "W", multiplier: 1000 },
    Wh: { metric: "power.energy", unit: "kWh", divisor: 1000 },
    kWh: { metric: "power.energy", unit: "kWh" },
    MWh: { metric: "power.energy", unit: "kWh", multiplier: 1000 },
    V: { metric: "power.voltage", unit: "V" },
    mV: { metric: "power.voltage", unit: "V", divisor: 1000 },
    A: { metric: "power.current", unit: "A" },
    mA: { metric: "power.current", unit: "A", divisor: 1000 },
    VA: { metric: "power.apparent", unit: "VA" },
    var: { metric: "power.reactive", unit: "var" },
    Hz: { metric: "power.frequency", unit: "Hz" },
    "°C": { metric: "sensor.temperature", unit: "°C" },
    "°F": { metric: "sensor.temperature", unit: "°F" },
    lx: { metric: "sensor.illuminance", unit: "lx" },
    hPa: { metric: "sensor.pressure", unit: "hPa" },
    mbar: { metric: "sensor.pressure", unit: "hPa" },
    Pa: { metric: "sensor.pressure", unit: "hPa", divisor: 100 },
    kPa: { metric: "sensor.pressure", unit: "hPa", multiplier: 10 },
  }),
);

const BY_CLASS: ReadonlyMap<string, Naming> = new Map(
  Object.entries({
    humidity: { metric: "sensor.humidity", unit: "%" },
    moisture: { metric: "sensor.moisture", unit: "%" },
    battery: { metric: "device.battery", unit: "%" },
    carbon_dioxide: { metric: "sensor.co2", unit: "ppm" },
    signal_strength: { metric: "device.wifi.signal", unit: "dBm" },
    ph: { metric: "sensor.ph", unit: "pH" },
    // Tasmota reports the power factor as 0…1; a discovered one in % is brought to the same scale.
    power_factor: { metric: "power.factor", unit: undefined },
  }),
);

function nameSensor(unit: string | undefined, deviceClass: string | undefined): Naming {
  const byUnit = unit !== undefined ? BY_UNIT.get(unit.trim()) : undefined;
  if (byUnit) return byUnit;
  const byClass = deviceClass !== undefined ? BY_CLASS.get(deviceClass) : undefined;
  if (byClass?.metric === "power.factor" && unit === "%") return { ...byClass, divisor: 100 };
  if (byClass) return byClass;
  return { metric: "sensor.value", unit };
}

/** What else a discovery config says about a sensor, beyond its unit and class. */
interface EntityHints {
  /** entity_category "diagnostic": the device's own health, not what it measures. */
  diagnostic: boolean;
  /** Its object id and name, which say "battery" when a voltage is the battery's. */
  words: string;
}

/**
 * A discovered sensor's name, the same as the presets give the same quantity: a battery's
 * voltage is device.battery_voltage in mV as Zigbee2MQTT's own state calls it (Zigbee2MQTT
 * announces it as a diagnostic voltage in mV; mains voltage is in V), a device's own
 * temperature (a diagnostic one, such as Zigbee2MQTT's device_temperature) is
 * device.temperature, and a link quality in lqi is device.linkquality.
 */
export function nameEntity(unit: string | undefined, deviceClass: string | undefined, hints: EntityHints): Naming {
  const u = unit?.trim();
  if (u === "lqi") return { metric: "device.linkquality", unit: "lqi" };
  const naming = nameSensor(unit, deviceClass);
  if (naming.metric === "power.voltage" && (/battery/i.test(hints.words) || (hints.diagnostic && u === "mV")))
    return u === "V" ? { metric: "device.battery_voltage", unit: "mV", multiplier: 1000 } : { metric: "device.battery_voltage", unit: "mV" };
  if (naming.metric === "sensor.temperature" && hints.diagnostic) return { ...naming, metric: "device.temperature" };
  return naming;
}
