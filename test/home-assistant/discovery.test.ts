import fs from "node:fs";
import path from "node:path";
import type { MqttClient } from "mqtt";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFixture } from "../helpers/fixtures.js";
import { loadTestConfig, startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt, mosquittoPub } from "../helpers/mqtt.js";
import { waitFor } from "../helpers/wait.js";

const energy = readFixture("power/tasmota-sensor-energy.json").trim();
const tankSensor = (JSON.parse(readFixture("hydroponics/tasmota-tank-sensor-analog-ph-ec-watertemp.jsonl").split("\n")[1]!) as { payload: string }).payload;

const house = {
  version: 1,
  presets: ["tasmota", "ha_discovery"],
  appliances: { stove: { device: "kitchen_plug", min_duration: "1s" } },
  people: { alex: "presence/alex" },
  tanks: {
    tank1: {
      crop: "lettuce",
      topic: "tele/tank1/SENSOR",
      ph: {
        path: "ANALOG.A1",
        calibrate: [
          [1980, 4.0],
          [1500, 7.0],
        ],
      },
      ec: { path: "ECCalc.EC", unit: "mS/cm" },
      water_temperature: "DS18B20.Temperature",
      level: { path: "HX711.Weight", unit: "kg" },
    },
  },
};
const monitors = [
  { name: "tank pH", query: "avg(last_5m):hydro.ph{tank:tank1} > 6.5" },
  { name: "stove power", query: "max(last_5m):power.watts{device:*} by {device} > 2000" },
];

/** The broker's retained view as a Home Assistant would build it: the last payload per topic, "" for a removal. */
function retainedView(client: MqttClient): Map<string, string> {
  const seen = new Map<string, string>();
  client.on("message", (topic, payload) => seen.set(topic, payload.toString()));
  return seen;
}

const config = (seen: Map<string, string>, topic: string) => {
  const p = seen.get(topic);
  return p ? (JSON.parse(p) as Record<string, unknown>) : undefined;
};

describe("home_assistant.discovery: Hearth announces what it knows", () => {
  let t: TestHub;
  let ha: MqttClient;
  let seen: Map<string, string>;
  const node = "homeassistant/%s/hearth_test-host";

  beforeAll(async () => {
    t = await startTestHub({
      config: { home_assistant: { discovery: true }, pipeline: { flush_interval: "200ms" }, alerts: { evaluation_interval: "1s" } },
      rules: { "house.yaml": house, "alerts.yaml": { version: 1, monitors } },
    });
    ha = await connectMqtt(t.mqttUrl, { protocolVersion: 4, clientId: "home-assistant-view" });
    seen = retainedView(ha);
    await ha.subscribeAsync(["homeassistant/#", "hearth/#"], { qos: 1 });
  });
  afterAll(async () => {
    await ha.endAsync(true);
    await t.stop();
  });

  it("is online on its availability topic, retained", async () => {
    await waitFor(() => seen.get("hearth/test-host/status") === "online", "Hearth's availability");
  });

  it("announces each metered plug's energy as a total_increasing kWh energy sensor, which the energy dashboard accepts", async () => {
    await mosquittoPub(t.mqttPort, "tele/kitchen_plug/SENSOR", energy);
    const topic = `${node.replace("%s", "sensor")}/device_kitchen_plug_power_energy/config`;
    const c = await waitFor(() => config(seen, topic), "the energy sensor's discovery config");
    expect(c).toMatchObject({
      name: "Energy",
      unique_id: "hearth_test-host_device_kitchen_plug_power_energy",
      device_class: "energy",
      state_class: "total_increasing",
      unit_of_measurement: "kWh",
      state_topic: "hearth/test-host/ha/device_kitchen_plug_power_energy/state",
      availability_topic: "hearth/test-host/status",
      device: { name: "kitchen_plug", model: "Metered plug", via_device: "hearth_test-host" },
    });
    await waitFor(() => seen.get(c.state_topic as string) === "6.294", "the energy reading (ENERGY.Total)");
  });

  it("announces an appliance's power.on and a person's presence.home as binary sensors with their states", async () => {
    await mosquittoPub(t.mqttPort, "tele/kitchen_plug/SENSOR", energy); // 2635 W: past the stove's 10 W threshold
    await mosquittoPub(t.mqttPort, "presence/alex", "home");
    const stove = await waitFor(() => config(seen, `${node.replace("%s", "binary_sensor")}/appliance_stove_power_on/config`), "the stove's entity");
    expect(stove).toMatchObject({ name: "Power", device_class: "power", device: { name: "stove", model: "Appliance" } });
    await waitFor(() => seen.get(stove.state_topic as string) === "ON", "the stove on after its min_duration");
    const alex = await waitFor(() => config(seen, `${node.replace("%s", "binary_sensor")}/person_alex_presence_home/config`), "Alex's entity");
    expect(alex).toMatchObject({ name: "Home", device_class: "presence", device: { name: "alex", model: "Person" } });
    await waitFor(() => seen.get(alex.state_topic as string) === "ON", "Alex at home");
  });

  it("announces a tank's readings with their units", async () => {
    await mosquittoPub(t.mqttPort, "tele/tank1/SENSOR", tankSensor);
    const sensor = (metric: string) => config(seen, `${node.replace("%s", "sensor")}/tank_tank1_${metric}/config`);
    await waitFor(() => ["hydro_ph", "hydro_ec", "hydro_water_temperature", "hydro_level"].every((m) => sensor(m)), "the tank's four sensors");
    expect(sensor("hydro_ph")).toMatchObject({
      name: "pH",
      device_class: "ph",
      state_class: "measurement",
      device: { name: "tank1", model: "Hydroponic tank" },
    });
    expect(sensor("hydro_ec")).toMatchObject({ name: "EC", unit_of_measurement: "mS/cm" });
    expect(sensor("hydro_water_temperature")).toMatchObject({ device_class: "temperature", unit_of_measurement: "°C" });
    expect(sensor("hydro_level")).toMatchObject({ unit_of_measurement: "kg" });
    await waitFor(() => seen.get("hearth/test-host/ha/tank_tank1_hydro_water_temperature/state") === "19.8", "the water temperature");
  });

  it("shows each monitor group as a problem binary sensor, on while the group is not OK", async () => {
    const grouped = `${node.replace("%s", "binary_sensor")}/monitor_stove_power_device_kitchen_plug/config`;
    const c = await waitFor(() => config(seen, grouped), "the stove power monitor's group");
    expect(c).toMatchObject({
      name: "stove power (device:kitchen_plug)",
      device_class: "problem",
      value_template: "{{ value_json.problem }}",
      device: { name: "Hearth test-host" },
    });
    const state = await waitFor(() => {
      const s = seen.get(c.state_topic as string);
      return s && (JSON.parse(s) as { state: string }).state === "ALERT" ? (JSON.parse(s) as Record<string, unknown>) : undefined;
    }, "the group in ALERT (2635 W > 2000)");
    expect(state).toEqual({ problem: "ON", state: "ALERT", value: 2635 });
  });

  it("is not read back by the ha_discovery preset: no reading counts twice", () => {
    expect(t.samples.filter((s) => s.tags.includes("source:ha_discovery"))).toEqual([]);
  });

  it("removes a monitor's entity with an empty retained config when the monitor is removed on reload", async () => {
    const topic = `${node.replace("%s", "binary_sensor")}/monitor_tank_ph/config`;
    await waitFor(() => config(seen, topic), "the tank pH monitor's entity");
    fs.writeFileSync(path.join(t.rulesDir, "alerts.yaml"), stringify({ version: 1, monitors: monitors.slice(1) }));
    await t.hub.reload(loadTestConfig(t.configFile, t.rulesDir));
    await waitFor(() => seen.get(topic) === "", "the empty retained config");
    expect(config(seen, `${node.replace("%s", "binary_sensor")}/monitor_stove_power_device_kitchen_plug/config`)).toBeDefined();

    // A client connecting now (Home Assistant after a restart) gets no retained config for it.
    const late = await connectMqtt(t.mqttUrl, { clientId: "home-assistant-late" });
    const lateSeen = retainedView(late);
    await late.subscribeAsync("homeassistant/#", { qos: 1 });
    await waitFor(() => lateSeen.has(`${node.replace("%s", "binary_sensor")}/monitor_stove_power_device_kitchen_plug/config`), "the retained configs");
    expect(lateSeen.has(topic)).toBe(false);
    await late.endAsync();
  });

  it("says offline, retained, when it stops, and keeps the entities", async () => {
    const kept = new Map<string, string>();
    const watcher = await connectMqtt(t.mqttUrl, { clientId: "availability-watcher" });
    watcher.on("message", (topic, payload) => kept.set(topic, payload.toString()));
    await watcher.subscribeAsync("hearth/test-host/status", { qos: 1 });
    await waitFor(() => kept.get("hearth/test-host/status") === "online", "online before the stop");
    await t.hub.homeAssistant.stop();
    await waitFor(() => kept.get("hearth/test-host/status") === "offline", "offline");
    expect(config(seen, `${node.replace("%s", "sensor")}/device_kitchen_plug_power_energy/config`)).toBeDefined();
    await watcher.endAsync();
  });
});

describe("home_assistant.discovery off (the default)", () => {
  it("announces nothing", async () => {
    const t = await startTestHub({ rules: { "house.yaml": house } });
    try {
      const c = await connectMqtt(t.mqttUrl);
      const seen = retainedView(c);
      await c.subscribeAsync(["homeassistant/#", "hearth/#", "probe/#"], { qos: 1 });
      await mosquittoPub(t.mqttPort, "tele/kitchen_plug/SENSOR", energy);
      await mosquittoPub(t.mqttPort, "probe/done", "1");
      await waitFor(() => seen.has("probe/done"), "the probe message, which comes after anything Hearth would announce for the plug");
      expect([...seen.keys()]).toEqual(["probe/done"]);
      await c.endAsync();
    } finally {
      await t.stop();
    }
  });
});
