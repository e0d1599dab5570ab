/**
 * The units a reading written as text may carry after its number ("21.5 °C", "120W", "5 MB/s").
 * Anything else after a number means the text is not a reading: "12abc" is not 12 and "0x1F"
 * is not 0 W. The spellings are those of Home Assistant's unit constants
 * (home-assistant/core homeassistant/const.py, UnitOf*), openHAB's units of measurement
 * (https://www.openhab.org/docs/concepts/units-of-measurement.html) and the device firmwares
 * Hearth reads (Tasmota, Shelly, ESPHome, Zigbee2MQTT, Atlas Scientific EZO circuits).
 * Matching is exact: "kWh" is a unit, "KWH" is not.
 */
export const KNOWN_UNITS: ReadonlySet<string> = new Set([
  // Power, energy, electricity
  "W", "kW", "MW", "mW", "Wh", "kWh", "MWh", "GWh", "VA", "kVA", "VAh", "kVAh", "var", "kvar", "varh", "kvarh",
  "V", "mV", "kV", "µV", "A", "mA", "kA", "µA", "Hz", "kHz", "MHz", "GHz", "Ω", "kΩ", "J", "kJ", "MJ", "GJ", "cal", "kcal",
  // Temperature and angles
  "°C", "°F", "K", "°", "rad",
  // Pressure
  "Pa", "hPa", "kPa", "MPa", "bar", "mbar", "mmHg", "inHg", "psi", "atm",
  // Shares and concentrations
  "%", "%RH", "‰", "ppm", "ppb", "µg/m³", "mg/m³", "g/m³", "mg/L", "pH",
  // Light and radiation
  "lx", "klx", "lm", "cd", "W/m²", "µSv/h", "CPM",
  // Length, area, volume
  "nm", "µm", "mm", "cm", "m", "km", "in", "ft", "yd", "mi", "m²", "m³", "ft³", "L", "l", "mL", "ml", "cL", "dL", "gal",
  // Flow and speed
  "L/min", "l/min", "L/h", "l/h", "m³/h", "m³/s", "gal/min", "mL/s", "m/s", "km/h", "mph", "kn", "ft/s", "mm/h", "mm/d", "in/h", "in/d",
  // Mass
  "µg", "mg", "g", "kg", "t", "oz", "lb",
  // Time
  "µs", "ms", "s", "min", "h", "d", "w",
  // Data and rates
  "bit", "kbit", "Mbit", "Gbit", "B", "kB", "KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB",
  "bit/s", "kbit/s", "Mbit/s", "Gbit/s", "B/s", "kB/s", "KB/s", "MB/s", "GB/s", "bps", "kbps", "Mbps", "Gbps",
  // Signal, sound, rotation, conductivity
  "dB", "dBA", "dBm", "lqi", "rpm", "RPM", "µS/cm", "uS/cm", "mS/cm", "S/m", "mS/m",
]);
