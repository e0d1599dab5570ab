import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readMessages } from "../helpers/fixtures.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt, mosquittoPub } from "../helpers/mqtt.js";
import { asWant, publishAll, tagged, type Want } from "../helpers/want.js";
import { waitFor } from "../helpers/wait.js";

describe("Zigbee2MQTT preset on recorded payloads", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ rules: { "presets.yaml": "presets: [zigbee2mqtt]\n" } });
  });
  afterAll(() => t.stop());

  const of = (device: string) => t.samples.filter((s) => s.tags.includes(`device:${device}`)).map(asWant);

  it("reads a TS011F plug's JSON state and its attribute topics; null fields and settings give nothing", async () => {
    // Koenkk/zigbee2mqtt#32463 (test/fixtures/power/README.md): the JSON state, then output: attribute_and_json.
    const client = await connectMqtt(t.mqttUrl);
    await publishAll(client, readMessages("power/zigbee2mqtt-ts011f-plug-json-and-attribute-topics.jsonl"));
    await client.endAsync();
    const z1 = tagged("device:z1", "source:zigbee2mqtt");
    const want: Want[] = [
      // zigbee2mqtt/z1: current, energy, linkquality, power, state, voltage (a metering plug: mains volts)
      ["power.current", 0, "A", z1],
      ["power.energy", 12.05, "kWh", z1],
      ["device.linkquality", 43, "lqi", z1],
      ["power.watts", 0, "W", z1],
      ["power.relay", 0, undefined, z1],
      ["power.voltage", 243, "V", z1],
      // z1/power, z1/state; child_lock, indicator_mode, power_outage_memory and countdown are settings
      ["power.watts", 0, "W", z1],
      ["power.relay", 0, undefined, z1],
      ["power.voltage", 243, "V", z1],
      ["power.current", 0, "A", z1],
      ["power.energy", 12.05, "kWh", z1],
    ];
    await waitFor(() => of("z1").length >= want.length, `${want.length} samples from z1`);
    expect(of("z1")).toEqual(want);
  });

  it("reads availability and the bridge state, as JSON (2.0) and as plain text (1.x)", async () => {
    // Koenkk/zigbee2mqtt lib/extension/availability.ts and lib/mqtt.ts: {"state":"online"}; before 2.0 plain "online".
    const client = await connectMqtt(t.mqttUrl);
    await publishAll(client, [
      { topic: "zigbee2mqtt/bridge/state", payload: '{"state":"online"}' },
      { topic: "zigbee2mqtt/bridge/state", payload: "offline" },
      { topic: "zigbee2mqtt/z1/availability", payload: '{"state":"offline"}' },
      { topic: "zigbee2mqtt/bridge/info", payload: '{"version":"2.0.0","coordinator":{"type":"zStack3x0"}}' },
      { topic: "zigbee2mqtt/z1/set", payload: '{"state":"ON"}' },
    ]);
    await client.endAsync();
    const bridge = tagged("device:zigbee2mqtt_bridge", "source:zigbee2mqtt");
    await waitFor(() => of("zigbee2mqtt_bridge").length >= 2 && of("z1").some(([m]) => m === "device.online"), "availability samples");
    expect(of("zigbee2mqtt_bridge")).toEqual([
      ["device.online", 1, undefined, bridge],
      ["device.online", 0, undefined, bridge],
    ]);
    expect(of("z1").filter(([m]) => m === "device.online")).toEqual([["device.online", 0, undefined, tagged("device:z1", "source:zigbee2mqtt")]]);
    // bridge/info describes the bridge and z1/set is a command: neither is a reading.
    expect(of("z1").filter(([m]) => m === "power.relay")).toHaveLength(2);
  });

  it("tags per-channel keys, and names a device by its friendly name even with slashes and spaces", async () => {
    // A two-gang plug as Zigbee2MQTT exposes it (state_l1, power_l2…), with a friendly name holding a slash.
    await mosquittoPub(
      t.mqttPort,
      "zigbee2mqtt/Kitchen/Power Strip",
      JSON.stringify({ state_l1: "ON", power_l1: 1450.5, state_l2: "OFF", power_l2: null, voltage: 231 }),
    );
    const dev = "device:kitchen/power_strip";
    await waitFor(() => of("kitchen/power_strip").length >= 4, "four samples from the strip");
    expect(of("kitchen/power_strip")).toEqual([
      ["power.relay", 1, undefined, tagged(dev, "channel:1", "source:zigbee2mqtt")],
      ["power.watts", 1450.5, "W", tagged(dev, "channel:1", "source:zigbee2mqtt")],
      ["power.relay", 0, undefined, tagged(dev, "channel:2", "source:zigbee2mqtt")],
      ["power.voltage", 231, "V", tagged(dev, "source:zigbee2mqtt")],
    ]);
  });

  it("reads a battery sensor's voltage as the battery's millivolts, not mains volts", async () => {
    // An Aqara temperature sensor's state as Zigbee2MQTT publishes it.
    await mosquittoPub(
      t.mqttPort,
      "zigbee2mqtt/hallway_climate",
      JSON.stringify({ battery: 91, humidity: 48.21, temperature: 21.4, pressure: 1012.3, voltage: 3005, linkquality: 120 }),
    );
    const dev = tagged("device:hallway_climate", "source:zigbee2mqtt");
    await waitFor(() => of("hallway_climate").length >= 6, "six samples from the sensor");
    expect(of("hallway_climate")).toEqual([
      ["device.battery", 91, "%", dev],
      ["sensor.humidity", 48.21, "%", dev],
      ["sensor.temperature", 21.4, "°C", dev],
      ["sensor.pressure", 1012.3, "hPa", dev],
      ["device.battery_voltage", 3005, "mV", dev],
      ["device.linkquality", 120, "lqi", dev],
    ]);
  });
});
