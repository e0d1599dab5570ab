import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFixture, readMessages } from "../helpers/fixtures.js";
import { loadTestConfig, startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt, mosquittoPub } from "../helpers/mqtt.js";
import { asWant, publishAll, rejected, tagged } from "../helpers/want.js";
import { waitFor } from "../helpers/wait.js";

const unmatched = async (t: TestHub) => Number(/hearth_ingest_unmatched_total (\d+)/.exec(await (await fetch(`${t.httpUrl}/metrics`)).text())![1]);

describe("Home Assistant MQTT discovery", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ rules: { "presets.yaml": "presets: [ha_discovery]\n" } });
  });
  afterAll(() => t.stop());

  const from = (entity: string) => t.samples.filter((s) => s.tags.includes(`entity:${entity}`)).map(asWant);
  const ofDevice = (device: string) => t.samples.filter((s) => s.tags.includes(`device:${device}`)).map(asWant);

  it("reads abbreviated keys and the ~ base topic, then stops reading an entity when its config is emptied", async () => {
    // arendst/Tasmota#7097 (test/fixtures/discovery/README.md): Tasmota 7.1.1 announcing two ENERGY sensors
    // with FullTopic tasmota01/tele/; its kWh counters carry device_class "power", the unit decides.
    const client = await connectMqtt(t.mqttUrl);
    await publishAll(
      client,
      readMessages("discovery/tasmota-legacy-ha-discovery-abbreviated-tilde.jsonl").map((m) => ({ ...m, retained: true })),
    );
    // What the plug then publishes (tasmota/docs docs/devices/Sonoff-Pow-R2.md), under its FullTopic.
    const sensor = {
      topic: "tasmota01/tele/SENSOR",
      payload:
        '{"Time":"2019-12-05T21:18:55","ENERGY":{"TotalStartTime":"2019-11-14T18:39:40","Total":6.294,"Yesterday":5.340,"Today":0.954,"Period":0,"Power":0,"ApparentPower":0,"ReactivePower":0,"Factor":0.00,"Voltage":227,"Current":0.000}}',
    };
    await publishAll(client, [sensor, { topic: "tasmota01/tele/LWT", payload: "Online" }]);
    const dev = "device:522851";
    await waitFor(() => ofDevice("522851").length >= 3, "three samples from the discovered plug");
    expect(ofDevice("522851")).toEqual([
      ["power.energy", 5.34, "kWh", tagged(dev, "entity:522851_energy_yesterday", "source:ha_discovery")],
      ["power.energy", 0.954, "kWh", tagged(dev, "entity:522851_energy_today", "source:ha_discovery")],
      // Both entities name tasmota01/tele/LWT: the device's availability is read once.
      ["device.online", 1, undefined, tagged(dev, "source:ha_discovery")],
    ]);

    // An empty retained config removes the entity, at once and without a reload.
    await publishAll(client, [{ topic: "homeassistant/sensor/522851_ENERGY_Yesterday/config", payload: "", retained: true }, sensor]);
    await waitFor(() => ofDevice("522851").length >= 4, "a fourth sample");
    expect(ofDevice("522851").slice(3)).toEqual([["power.energy", 0.954, "kWh", tagged(dev, "entity:522851_energy_today", "source:ha_discovery")]]);

    const before = await unmatched(t);
    await publishAll(client, [{ topic: "homeassistant/sensor/522851_ENERGY_Today/config", payload: "", retained: true }, sensor]);
    await client.endAsync();
    await waitFor(async () => (await unmatched(t)) === before + 1, "the SENSOR message to match nothing");
    expect(ofDevice("522851")).toHaveLength(4);
  });

  it("reads full keys, an availability list and value_template from Zigbee2MQTT's discovery", async () => {
    // Koenkk/zigbee2mqtt#7272: a TS0121 plug's current sensor; Zigbee2MQTT 1.x published bridge/state as plain text.
    const client = await connectMqtt(t.mqttUrl);
    await publishAll(client, [
      ...readMessages("discovery/zigbee2mqtt-ha-discovery-ts0121-plug-current.jsonl"),
      { topic: "zigbee2mqtt/0x84fd27fffe39e3af", payload: '{"current":0.12,"energy":1.27,"linkquality":102,"power":25,"state":"ON","voltage":230}' },
      { topic: "zigbee2mqtt/bridge/state", payload: "online" },
    ]);
    await client.endAsync();
    const dev = "device:0x84fd27fffe39e3af";
    await waitFor(() => ofDevice("0x84fd27fffe39e3af").length >= 2, "the current and the bridge's availability");
    expect(ofDevice("0x84fd27fffe39e3af")).toEqual([
      ["power.current", 0.12, "A", tagged(dev, "entity:current", "source:ha_discovery")],
      ["device.online", 1, undefined, tagged(dev, "source:ha_discovery")],
    ]);
  });

  it("splits a device-based config into its components, inheriting the shared state topic, and removes them all with an empty one", async () => {
    // home-assistant.io source/_integrations/mqtt.markdown: the device-based discovery example.
    const client = await connectMqtt(t.mqttUrl);
    const config = JSON.stringify(JSON.parse(readFixture("discovery/ha-device-discovery-cmps-example.json")));
    await publishAll(client, [
      { topic: "homeassistant/device/ea334450945afc/config", payload: config, retained: true },
      { topic: "sensorBedroom/state", payload: '{"temperature":21.5,"humidity":48}' },
    ]);
    await waitFor(() => ofDevice("kitchen").length >= 2, "two samples from the device");
    expect(ofDevice("kitchen")).toEqual([
      ["sensor.temperature", 21.5, "°C", tagged("device:kitchen", "entity:some_unique_component_id1", "source:ha_discovery")],
      ["sensor.humidity", 48, "%", tagged("device:kitchen", "entity:some_unique_id2", "source:ha_discovery")],
    ]);
    const before = await unmatched(t);
    await publishAll(client, [
      { topic: "homeassistant/device/ea334450945afc/config", payload: "", retained: true },
      { topic: "sensorBedroom/state", payload: '{"temperature":21.7,"humidity":47}' },
    ]);
    await client.endAsync();
    await waitFor(async () => (await unmatched(t)) === before + 1, "the state message to match nothing");
    expect(ofDevice("kitchen")).toHaveLength(2);
  });

  it("refuses a template it cannot read, with the template in the count and the log, and reads nothing wrong", async () => {
    const before = await rejected(t.httpUrl, "wrong_type");
    const config = {
      name: "Boiler",
      stat_t: "boiler/state",
      val_tpl: "{{ value_json.temp | multiply(2) }}",
      unit_of_meas: "°C",
      dev: { ids: ["boiler1"], name: "Boiler" },
    };
    await mosquittoPub(t.mqttPort, "homeassistant/sensor/boiler1/temp/config", JSON.stringify(config));
    await waitFor(async () => (await rejected(t.httpUrl, "wrong_type")) === before + 1, "the config to be refused");
    expect(t.logs.find((e) => typeof e.detail === "string" && e.detail.includes("multiply(2)"))).toBeDefined();
    const unmatchedBefore = await unmatched(t);
    await mosquittoPub(t.mqttPort, "boiler/state", '{"temp":61}');
    await waitFor(async () => (await unmatched(t)) === unmatchedBefore + 1, "the state message to match nothing");
    expect(ofDevice("boiler")).toEqual([]);
  });

  it("supports switches with their own on/off words and templates with filters", async () => {
    // A Shelly Plus switch announced as scripts do it (enesbcs/shellyteacher4domo mqtt_templates_gen2.txt).
    const client = await connectMqtt(t.mqttUrl);
    await publishAll(client, [
      {
        topic: "homeassistant/switch/shellyplus1-a8032ab1c2d4-0/config",
        payload: JSON.stringify({
          name: "Relay 0",
          stat_t: "~status/switch:0",
          val_tpl: "{{ value_json.output }}",
          stat_off: "false",
          stat_on: "true",
          avty_t: "~online",
          pl_avail: "true",
          pl_not_avail: "false",
          uniq_id: "shellyplus1-a8032ab1c2d4-0",
          dev: { ids: ["a8032ab1c2d4"], name: "shellyplus1-a8032ab1c2d4" },
          "~": "shellyplus1-a8032ab1c2d4/",
        }),
      },
      {
        topic: "homeassistant/sensor/shellyplus1-a8032ab1c2d4-0/power/config",
        payload: JSON.stringify({
          name: "Power",
          stat_t: "~status/switch:0",
          val_tpl: "{{ value_json['apower'] | float(0) | round(1) }}",
          unit_of_meas: "kW",
          dev_cla: "power",
          dev: { ids: ["a8032ab1c2d4"], name: "shellyplus1-a8032ab1c2d4" },
          "~": "shellyplus1-a8032ab1c2d4/",
        }),
      },
      { topic: "shellyplus1-a8032ab1c2d4/status/switch:0", payload: '{"id":0,"source":"init","output":true,"apower":1.24,"voltage":231.2}' },
      { topic: "shellyplus1-a8032ab1c2d4/online", payload: "true" },
    ]);
    await client.endAsync();
    const dev = "device:shellyplus1-a8032ab1c2d4";
    await waitFor(() => ofDevice("shellyplus1-a8032ab1c2d4").length >= 3, "three samples");
    expect(ofDevice("shellyplus1-a8032ab1c2d4")).toEqual([
      ["power.relay", 1, undefined, tagged(dev, "entity:shellyplus1-a8032ab1c2d4-0", "source:ha_discovery")],
      ["power.watts", 1200, "W", tagged(dev, "entity:power", "source:ha_discovery")],
      ["device.online", 1, undefined, tagged(dev, "source:ha_discovery")],
    ]);
  });

  it("keeps what devices announced when the rules are reloaded", async () => {
    const next = loadTestConfig(t.configFile, t.rulesDir);
    await t.hub.reload(next);
    await mosquittoPub(t.mqttPort, "zigbee2mqtt/0x84fd27fffe39e3af", '{"current":0.2}');
    await waitFor(() => from("current").length >= 2, "a second current sample");
    expect(from("current").at(-1)).toEqual(["power.current", 0.2, "A", tagged("device:0x84fd27fffe39e3af", "entity:current", "source:ha_discovery")]);
  });
});

describe("Home Assistant MQTT discovery beside a preset", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ rules: { "presets.yaml": "presets: [zigbee2mqtt, ha_discovery]\n" } });
  });
  afterAll(() => t.stop());

  it("leaves a topic a preset reads to the preset, so a device is named the same way with or without discovery", async () => {
    const client = await connectMqtt(t.mqttUrl);
    await publishAll(client, [
      ...readMessages("discovery/zigbee2mqtt-ha-discovery-ts0121-plug-current.jsonl"),
      { topic: "zigbee2mqtt/0x84fd27fffe39e3af", payload: '{"current":0.12,"power":25}' },
    ]);
    await client.endAsync();
    await waitFor(() => t.samples.length >= 2, "two samples");
    expect(t.samples.map(asWant)).toEqual([
      ["power.current", 0.12, "A", tagged("device:0x84fd27fffe39e3af", "source:zigbee2mqtt")],
      ["power.watts", 25, "W", tagged("device:0x84fd27fffe39e3af", "source:zigbee2mqtt")],
    ]);
  });
});
