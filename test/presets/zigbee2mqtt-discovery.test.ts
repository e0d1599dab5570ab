import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Explainer, formatExplanation } from "../../src/cli/explain.js";
import { bothWays } from "../helpers/both-ways.js";
import { readMessages, type RecordedMessage } from "../helpers/fixtures.js";
import { loadTestConfig, startTestHub, type TestHub } from "../helpers/hub.js";
import { tagged, type Want } from "../helpers/want.js";

/**
 * Koenkk/zigbee2mqtt test/extensions/homeassistant.test.ts (test/fixtures/discovery/README.md): what
 * Zigbee2MQTT announces for a weather sensor and a thermostat.
 */
const recorded = () => readMessages("discovery/zigbee2mqtt-ha-discovery-weather-sensor-thermostat.jsonl");

/**
 * No recording: the battery voltage Zigbee2MQTT announces for the same sensor, built from its source.
 * lib/extension/homeassistant.ts gives `voltage` device_class voltage; an expose with category
 * "diagnostic" gets entity_category diagnostic; zigbee-herdsman-converters' battery voltage is in mV.
 */
const batteryVoltage: RecordedMessage = {
  topic: "homeassistant/sensor/0x0017880104e45522/voltage/config",
  retained: true,
  payload: JSON.stringify({
    unit_of_measurement: "mV",
    device_class: "voltage",
    state_class: "measurement",
    entity_category: "diagnostic",
    value_template: '{{ value_json["voltage"] }}',
    state_topic: "zigbee2mqtt/weather_sensor",
    object_id: "weather_sensor_voltage",
    unique_id: "0x0017880104e45522_voltage_zigbee2mqtt",
    device: { identifiers: ["zigbee2mqtt_0x0017880104e45522"], name: "weather_sensor", model_id: "WSDCGQ11LM", manufacturer: "Aqara" },
    availability: [{ topic: "zigbee2mqtt/bridge/state", value_template: "{{ value_json.state }}" }],
  }),
};

/**
 * The devices' state. The first weather_sensor message is what Zigbee2MQTT's test records it
 * publishing ("Should not send null values…"); the second carries an Aqara sensor's readings; the
 * thermostat's is built, with the key its config announces.
 */
const states: RecordedMessage[] = [
  { topic: "zigbee2mqtt/weather_sensor", payload: '{"battery":null,"humidity":null,"linkquality":null,"pressure":null,"temperature":-0.85,"voltage":null}' },
  { topic: "zigbee2mqtt/weather_sensor", payload: '{"battery":91,"humidity":48.21,"linkquality":120,"pressure":1012.3,"temperature":21.4,"voltage":3005}' },
  { topic: "zigbee2mqtt/thermostat", payload: '{"linkquality":80,"local_temperature":20.5,"pi_heating_demand":37}' },
  { topic: "zigbee2mqtt/bridge/state", payload: '{"state":"online"}' },
];

/** Metric, value, unit and device, in a stable order: discovery reads in the order entities were announced. */
const withoutSource = (w: Want[]) => w.map(([m, v, u, tags]) => JSON.stringify([m, v, u, tags.filter((t) => t.startsWith("device:"))])).sort();

describe("Zigbee2MQTT and Home Assistant discovery together", () => {
  let both: TestHub;
  let discoveryOnly: TestHub;
  beforeAll(async () => {
    both = await startTestHub({ rules: { "presets.yaml": "presets: [zigbee2mqtt, ha_discovery]\n" } });
    discoveryOnly = await startTestHub({ rules: { "presets.yaml": "presets: [ha_discovery]\n" } });
  });
  afterAll(async () => {
    await both.stop();
    await discoveryOnly.stop();
  });

  const ws = tagged("device:weather_sensor", "source:zigbee2mqtt");
  const viaPreset: Want[] = [
    ["sensor.temperature", -0.85, "°C", ws],
    ["device.battery", 91, "%", ws],
    ["sensor.humidity", 48.21, "%", ws],
    ["device.linkquality", 120, "lqi", ws],
    ["sensor.pressure", 1012.3, "hPa", ws],
    ["sensor.temperature", 21.4, "°C", ws],
    ["device.battery_voltage", 3005, "mV", ws],
  ];

  it("reads an announced key the preset does not know on the preset's topic, and keys it knows once, under its names", async () => {
    const { explained, received } = await bothWays(both, [...recorded(), batteryVoltage, ...states]);
    const want: Want[] = [
      ...viaPreset,
      ["device.linkquality", 80, "lqi", tagged("device:thermostat", "source:zigbee2mqtt")],
      // pi_heating_demand: only discovery knows it. local_temperature: nobody announced it.
      ["sensor.value", 37, "%", tagged("device:thermostat", "entity:thermostat_pi_heating_demand", "source:ha_discovery")],
      ["device.online", 1, undefined, tagged("device:zigbee2mqtt_bridge", "source:zigbee2mqtt")],
    ];
    expect(explained).toEqual(want);
    expect(received).toEqual(want);
  });

  it("names each quantity the same whichever way it arrives", async () => {
    const { explained, received } = await bothWays(discoveryOnly, [...recorded(), batteryVoltage, ...states.slice(0, 2)]);
    expect(received).toEqual(explained);
    // Discovery alone: the same metrics, units and devices as the preset gives (its own entity and source tags).
    expect(withoutSource(received)).toEqual(withoutSource(viaPreset));
    expect(received.every(([, , , tags]) => tags.includes("source:ha_discovery"))).toBe(true);
  });

  it("says in --explain what an announced entity will do on a preset's topic, as the hub does it", () => {
    const explainer = new Explainer(loadTestConfig(both.configFile, both.rulesDir));
    const [temperature, , , , , heating] = recorded();
    const t = formatExplanation(explainer.explain(temperature!.topic, Buffer.from(temperature!.payload)));
    expect(t).toContain("discovered sensor weather_sensor_temperature: zigbee2mqtt/weather_sensor → sensor.temperature (°C), device:weather_sensor");
    expect(t).toContain("zigbee2mqtt/weather_sensor value_json.temperature: read by preset zigbee2mqtt under its own name, not through discovery");
    const h = formatExplanation(explainer.explain(heating!.topic, Buffer.from(heating!.payload)));
    expect(h).toContain("zigbee2mqtt/thermostat value_json.pi_heating_demand: read through discovery, beside preset zigbee2mqtt");
    const s = formatExplanation(explainer.explain(states[1]!.topic, Buffer.from(states[1]!.payload)));
    expect(s).toContain("preset ha_discovery (discovered on homeassistant/sensor/0x0017880104e45522/temperature/config)");
    expect(s).toContain("not read here: value_json.temperature is read by preset zigbee2mqtt, whose name wins");
  });
});
