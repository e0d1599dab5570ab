import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kit/clock.js";
import { Explainer, formatExplanation } from "../../src/cli/explain.js";
import { readFixture, readMessages, type RecordedMessage } from "../helpers/fixtures.js";
import { loadTestConfig, startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { asWant, publishAll, type Want } from "../helpers/want.js";
import { waitFor } from "../helpers/wait.js";

const RULES = `
presets: [tasmota, shelly_gen1, shelly_gen2, zigbee2mqtt, esphome, espresense, ha_discovery]
appliances:
  kettle: pow1
  heater: shellyplus1pm-4417939a5610
people:
  jane: {owntracks: owntracks/jane/+, home_region: home}
tanks:
  bed:
    crop: lettuce
    topic: tele/Tanksensor/SENSOR
    ph: {path: ANALOG.A1, calibrate: [[1980, 4.0], [1500, 7.0]]}
    ec: {path: ECCalc.EC, unit: mS/cm}
    water_temperature: DS18B20.Temperature
`;

/** Every recorded payload of power, presence, hydroponics and discovery, on the topics their devices use. */
function recordedTraffic(): RecordedMessage[] {
  const one = (topic: string, file: string): RecordedMessage => ({ topic, payload: readFixture(file).trim() });
  return [
    one("tele/pow1/SENSOR", "power/tasmota-sensor-energy.json"),
    ...readMessages("power/tasmota-boot-lwt-power-state.jsonl"),
    {
      topic: "shellies/shellyplug-s-C38EAB/info",
      payload: JSON.stringify((JSON.parse(readFixture("power/shelly-gen1-plug-s-status.json")) as { status: unknown }).status),
    },
    one("shellyplusplugs-e86beaeaa000/status/switch:0", "power/shelly-gen2-plusplugs-status-switch0.json"),
    ...readMessages("power/shelly-gen2-events-rpc-notifystatus.jsonl"),
    ...readMessages("power/zigbee2mqtt-ts011f-plug-json-and-attribute-topics.jsonl"),
    ...readMessages("presence/owntracks-location.jsonl"),
    one("owntracks/jane/nokia/event", "presence/owntracks-transition-enter.json"),
    one("owntracks/jane/nokia", "presence/owntracks-waypoint-string-numbers.json"),
    ...readMessages("presence/espresense-room-settings-snapshot.jsonl"),
    ...readMessages("hydroponics/esphome-mqtt-state-topics.jsonl"),
    ...readMessages("hydroponics/tasmota-tank-sensor-analog-ph-ec-watertemp.jsonl"),
    ...readMessages("discovery/tasmota-legacy-ha-discovery-abbreviated-tilde.jsonl"),
    { topic: "tasmota01/tele/SENSOR", payload: '{"Time":"2019-12-05T21:18:55","ENERGY":{"Total":6.294,"Yesterday":5.340,"Today":0.954,"Power":0}}' },
    { topic: "tasmota01/tele/LWT", payload: "Online" },
    ...readMessages("discovery/zigbee2mqtt-ha-discovery-ts0121-plug-current.jsonl"),
    { topic: "zigbee2mqtt/0x84fd27fffe39e3af", payload: '{"current":0.12,"power":25,"state":"ON"}' },
    one("homeassistant/device/ea334450945afc/config", "discovery/ha-device-discovery-cmps-example.json"),
    { topic: "sensorBedroom/state", payload: '{"temperature":21.5,"humidity":48}' },
    { topic: "homeassistant/device/ea334450945afc/config", payload: "" },
    { topic: "sensorBedroom/state", payload: '{"temperature":21.6,"humidity":48}' },
    // Old Tasmota firmware, STATUSn replies, a Shelly 2.5 roller, and Zigbee2MQTT with its discovery.
    ...readMessages("power/tasmota-5x-pow-state-energy-uptime.jsonl"),
    ...readMessages("power/tasmota-status-replies.jsonl"),
    {
      topic: "shellies/shellyswitch25-3494546BBF7E/info",
      payload: JSON.stringify((JSON.parse(readFixture("power/shelly-gen1-25-roller-status.json")) as { status: unknown }).status),
    },
    { topic: "shellies/shellyswitch25-3494546BBF7E/roller/0/power", payload: "118.52" },
    ...readMessages("discovery/zigbee2mqtt-ha-discovery-weather-sensor-thermostat.jsonl"),
    { topic: "zigbee2mqtt/weather_sensor", payload: '{"battery":91,"humidity":48.21,"linkquality":120,"pressure":1012.3,"temperature":21.4,"voltage":3005}' },
    { topic: "zigbee2mqtt/thermostat", payload: '{"linkquality":80,"pi_heating_demand":37}' },
  ];
}

describe("hearth check --explain gives the live pipeline's answer", () => {
  let t: TestHub;
  const clock = new ManualClock(Date.UTC(2025, 0, 6, 7));
  beforeAll(async () => {
    t = await startTestHub({ clock, rules: { "house.yaml": RULES } });
  });
  afterAll(() => t.stop());

  it("sample by sample, for every recorded payload, with appliance tags, power.on, presence and tanks", async () => {
    const traffic = recordedTraffic();
    const explainer = new Explainer(loadTestConfig(t.configFile, t.rulesDir));
    const explained: Want[] = [];
    for (const m of traffic) {
      const e = explainer.explain(m.topic, Buffer.from(m.payload), clock.now());
      for (const match of e.matches) for (const s of match.samples) explained.push([s.metric, s.value, s.unit, s.tags]);
    }
    const client = await connectMqtt(t.mqttUrl);
    await publishAll(client, traffic);
    await client.endAsync();
    await waitFor(() => t.samples.length >= explained.length, `${explained.length} samples`);
    expect(t.samples.map(asWant)).toEqual(explained);
    // What the comparison covers: every family produced samples.
    const metrics = new Set(explained.map(([m]) => m));
    for (const m of [
      "power.watts",
      "power.on",
      "power.energy",
      "presence.home",
      "hydro.ph",
      "sensor.value",
      "device.online",
      "sensor.temperature",
      "cover.direction",
      "device.battery_voltage",
    ])
      expect(metrics).toContain(m);
    // Zigbee2MQTT's announced pi_heating_demand comes through discovery beside the preset.
    expect(explained).toContainEqual(["sensor.value", 37, "%", ["device:thermostat", "entity:thermostat_pi_heating_demand", "source:ha_discovery"]]);
    expect(explained.filter(([, , , tags]) => tags.includes("appliance:heater")).length).toBeGreaterThan(8);
  });

  it("says what a discovery message did, and why a payload gave nothing", () => {
    const explainer = new Explainer(loadTestConfig(t.configFile, t.rulesDir));
    const [config] = readMessages("discovery/zigbee2mqtt-ha-discovery-ts0121-plug-current.jsonl");
    const text = formatExplanation(explainer.explain(config!.topic, Buffer.from(config!.payload)));
    expect(text).toContain(
      "discovered sensor current: zigbee2mqtt/0x84fd27fffe39e3af → power.current (A), device:0x84fd27fffe39e3af; availability on zigbee2mqtt/bridge/state",
    );
    const owntracks = formatExplanation(explainer.explain("owntracks/jane/nokia/event", Buffer.from(readFixture("presence/owntracks-transition-enter.json"))));
    expect(owntracks).toContain('person "jane"');
    expect(owntracks).toContain('skipped presence.home: "My favorite coffee shop (Delaville)" is not the home region "home"');
  });
});
