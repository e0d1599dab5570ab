import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { MqttClient } from "mqtt";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFixture } from "../helpers/fixtures.js";
import { loadTestConfig, startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt, mosquittoPub } from "../helpers/mqtt.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Home Assistant's own client (paho-mqtt, Debian's python3-paho-mqtt; /usr/bin/python3 is the
 * interpreter that package installs into) beside 3.1.1 devices on the same listener.
 */
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), "paho-home-assistant.py");
const energy = readFixture("power/tasmota-sensor-energy.json").trim();
const tankSensor = (JSON.parse(readFixture("hydroponics/tasmota-tank-sensor-analog-ph-ec-watertemp.jsonl").split("\n")[1]!) as { payload: string }).payload;

/** A house with one of each thing Hearth announces: an appliance, a person, a tank, monitors. */
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
    },
  },
};
const monitors = [
  { name: "tank pH", query: "avg(last_5m):hydro.ph{tank:tank1} > 6.5" },
  { name: "stove power", query: "max(last_5m):power.watts{device:kitchen_plug} > 2000" },
];

interface Report {
  event: string;
  reason?: number;
  topic?: string;
  payload?: string | null;
  retain?: boolean;
  reasons?: number[];
  properties?: Record<string, unknown>;
}

function startHomeAssistant(port: number): { child: ChildProcess; reports: Report[]; stderr: string[] } {
  const child = spawn("/usr/bin/python3", [SCRIPT, "127.0.0.1", String(port)], { stdio: ["ignore", "pipe", "pipe"] });
  const reports: Report[] = [];
  const stderr: string[] = [];
  let rest = "";
  child.stdout.on("data", (d: Buffer) => {
    const lines = (rest + d.toString()).split("\n");
    rest = lines.pop()!;
    for (const l of lines) if (l.trim()) reports.push(JSON.parse(l) as Report);
  });
  child.stderr.on("data", (d: Buffer) => stderr.push(d.toString()));
  return { child, reports, stderr };
}

describe("Home Assistant (paho-mqtt, MQTT 5) and 3.1.1 devices on one Hearth", () => {
  let t: TestHub;
  let ha: ReturnType<typeof startHomeAssistant>;
  let device: MqttClient;
  const deviceSeen: string[] = [];
  const discovery = "homeassistant/sensor/garage_plug/energy/config";
  const deviceConfig = JSON.stringify({
    name: "Garage energy",
    uniq_id: "garage_plug_energy",
    stat_t: "garage_plug/energy",
    dev_cla: "energy",
    stat_cla: "total_increasing",
    unit_of_meas: "kWh",
    dev: { ids: ["garage_plug"], name: "garage_plug" },
  });

  beforeAll(async () => {
    t = await startTestHub({
      config: { home_assistant: { discovery: true }, pipeline: { flush_interval: "200ms" }, alerts: { evaluation_interval: "1s" } },
      rules: { "house.yaml": house, "alerts.yaml": { version: 1, monitors } },
    });
    // A 3.1.1 device (mosquitto_pub) announces itself before Home Assistant connects: retained.
    await mosquittoPub(t.mqttPort, discovery, deviceConfig, { retain: true, qos: 1 });
    // A 3.1.1 device (mqtt.js) that listens for Home Assistant's status, as ESPHome and Zigbee2MQTT do to re-announce.
    device = await connectMqtt(t.mqttUrl, { protocolVersion: 4, clientId: "garage_plug" });
    device.on("message", (topic, payload) => deviceSeen.push(`${topic} ${payload.toString()}`));
    await device.subscribeAsync("homeassistant/status", { qos: 0 });
    // A Tasmota plug, so Hearth has an entity of its own to announce.
    await mosquittoPub(t.mqttPort, "tele/kitchen_plug/SENSOR", energy);
    await mosquittoPub(t.mqttPort, "tele/tank1/SENSOR", tankSensor);
    await mosquittoPub(t.mqttPort, "presence/alex", "home");
    await waitFor(() => t.samples.find((s) => s.metric === "power.energy"), "the kitchen plug's energy");
    await waitFor(() => t.samples.find((s) => s.metric === "hydro.ph"), "the tank's pH");
    // Each monitor's entity is announced with its first group; Home Assistant comes after, so it gets them as retained configs.
    await waitFor(() => monitors.every((m) => t.hub.alerts.alerts().some((g) => g.monitor === m.name)), "every monitor's first group");
    ha = startHomeAssistant(t.mqttPort);
  });
  afterAll(async () => {
    if (ha.child.exitCode === null) ha.child.kill("SIGKILL");
    await device.endAsync(true);
    await t.stop();
  });

  const got = (topic: string) => ha.reports.findLast((r) => r.event === "message" && r.topic === topic);
  const entity = (component: string, id: string) => `homeassistant/${component}/hearth_test-host/${id}/config`;

  it("connects with MQTT 5, clean start and a session expiry, and its discovery subscription is granted", async () => {
    const connack = await waitFor(() => ha.reports.find((r) => r.event === "connack"), `paho's CONNACK (${ha.stderr.join("")})`);
    expect(connack.reason).toBe(0);
    const suback = await waitFor(() => ha.reports.find((r) => r.event === "suback"), "paho's SUBACK");
    expect(suback.reasons).toEqual([0]);
  });

  it("gets a 3.1.1 device's retained discovery config, and Hearth's own entities", async () => {
    const fromDevice = await waitFor(() => got(discovery), "the device's discovery config");
    expect(fromDevice).toMatchObject({ payload: deviceConfig, retain: true });
    const own = await waitFor(() => got("homeassistant/sensor/hearth_test-host/device_kitchen_plug_power_energy/config"), "Hearth's energy entity");
    expect(JSON.parse(own.payload!)).toMatchObject({ device_class: "energy", state_class: "total_increasing", unit_of_measurement: "kWh" });
    expect(own.retain).toBe(true);
  });

  it("sees Hearth's own entities: each monitor a problem binary sensor, the appliance's power.on, the person's presence.home, the tank's readings, the plug's energy", async () => {
    const configOf = async (component: string, id: string) => {
      const r = await waitFor(() => got(entity(component, id)), `Hearth's ${id} entity`);
      expect(r.retain).toBe(true);
      return JSON.parse(r.payload!) as Record<string, unknown>;
    };
    for (const id of ["monitor_tank_ph", "monitor_stove_power"]) expect(await configOf("binary_sensor", id)).toMatchObject({ device_class: "problem" });
    expect(await configOf("binary_sensor", "appliance_stove_power_on")).toMatchObject({ device_class: "power", device: { name: "stove" } });
    expect(await configOf("binary_sensor", "person_alex_presence_home")).toMatchObject({ device_class: "presence", device: { name: "alex" } });
    expect(await configOf("sensor", "tank_tank1_hydro_ph")).toMatchObject({ device_class: "ph", state_class: "measurement" });
    expect(await configOf("sensor", "device_kitchen_plug_power_energy")).toMatchObject({
      device_class: "energy",
      state_class: "total_increasing",
      unit_of_measurement: "kWh",
    });
  });

  it("sees a removed monitor's entity go: an empty config on its discovery topic, and no retained one for a later Home Assistant", async () => {
    const topic = entity("binary_sensor", "monitor_tank_ph");
    await waitFor(() => got(topic)?.payload, "the tank pH monitor's entity");
    fs.writeFileSync(path.join(t.rulesDir, "alerts.yaml"), stringify({ version: 1, monitors: monitors.slice(1) }));
    await t.hub.reload(loadTestConfig(t.configFile, t.rulesDir));
    await waitFor(() => got(topic)?.payload === "", "the empty config");
    expect(got(entity("binary_sensor", "monitor_stove_power"))?.payload).toBeTruthy();
    const late = await connectMqtt(t.mqttUrl, { protocolVersion: 5, clientId: "home-assistant-late" });
    const lateSeen = new Set<string>();
    late.on("message", (topic) => lateSeen.add(topic));
    await late.subscribeAsync("homeassistant/#", { qos: 0 });
    await waitFor(() => lateSeen.has(entity("binary_sensor", "monitor_stove_power")), "the retained configs");
    expect(lateSeen.has(topic)).toBe(false);
    await late.endAsync();
  });

  it("its birth message reaches a 3.1.1 device and itself, and its will does when it drops off", async () => {
    await waitFor(() => ha.reports.some((r) => r.event === "birth"), "the birth message sent");
    await waitFor(() => deviceSeen.includes("homeassistant/status online"), "the birth message at the 3.1.1 device");
    await waitFor(() => ha.reports.some((r) => r.event === "message" && r.topic === "homeassistant/status" && r.payload === "online"), "its own birth message");
    ha.child.kill("SIGKILL"); // no DISCONNECT: the broker publishes the will
    await waitFor(() => deviceSeen.includes("homeassistant/status offline"), "the will at the 3.1.1 device");
  });
});
