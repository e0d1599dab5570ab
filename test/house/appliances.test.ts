import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kit/clock.js";
import { loadTestConfig, startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { tagged } from "../helpers/want.js";
import { waitFor } from "../helpers/wait.js";
import type { MqttClient } from "mqtt";

const START = Date.UTC(2025, 0, 6, 7, 0, 0);

describe("Appliances: tags and power.on with hysteresis and a minimum duration", () => {
  let t: TestHub;
  let clock: ManualClock;
  let client: MqttClient;
  beforeAll(async () => {
    clock = new ManualClock(START);
    t = await startTestHub({
      clock,
      rules: {
        "presets.yaml": "presets: [tasmota]\n",
        "house.yaml": [
          "appliances:",
          "  stove: kitchen_plug",
          "  fridge:",
          "    device: fridge_plug",
          "    threshold: 50",
          "    hysteresis: 20",
          "    min_duration: 2m",
          "",
        ].join("\n"),
      },
    });
    client = await connectMqtt(t.mqttUrl);
  });
  afterAll(async () => {
    await client.endAsync();
    await t.stop();
  });

  const powerOn = (appliance: string) => t.samples.filter((s) => s.metric === "power.on" && s.tags.includes(`appliance:${appliance}`));

  /** A Tasmota plug's SENSOR with its power, as the device publishes it; waits until the hub has handled it. */
  async function watts(device: string, appliance: string, power: number): Promise<void> {
    const before = powerOn(appliance).length;
    await client.publishAsync(
      `tele/${device}/SENSOR`,
      JSON.stringify({ Time: new Date(clock.now()).toISOString().slice(0, 19), ENERGY: { Power: power, Voltage: 230 } }),
      { qos: 1 },
    );
    await waitFor(() => powerOn(appliance).length > before, `power.on after ${power} W`);
  }

  it("tags every sample of the appliance's device and derives power.on from its first reading", async () => {
    await watts("kitchen_plug", "stove", 1980);
    const stove = t.samples.filter((s) => s.tags.includes("device:kitchen_plug"));
    expect(stove.map((s) => [s.metric, s.value, s.tags])).toEqual([
      ["power.watts", 1980, tagged("appliance:stove", "device:kitchen_plug", "source:tasmota")],
      ["power.on", 1, tagged("appliance:stove", "device:kitchen_plug")],
      ["power.voltage", 230, tagged("appliance:stove", "device:kitchen_plug", "source:tasmota")],
    ]);
  });

  it("does not flap while a fridge compressor hovers around the threshold, and changes once it has stayed past it", async () => {
    const step = 30_000;
    const readings = (ws: number[]) =>
      ws.reduce(async (prev, w) => {
        await prev;
        await watts("fridge_plug", "fridge", w);
        clock.advance(step);
      }, Promise.resolve());

    // Idle, then the power wanders around 50 W: above it for a moment, never for two minutes.
    await readings([3, 55, 45, 58, 47, 52, 49, 53, 48]);
    expect(powerOn("fridge").map((s) => s.value)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);

    // The compressor runs: above the threshold from `runFrom` on; two minutes later it is on, at that moment.
    const runFrom = clock.now();
    await readings([95, 100, 98, 97]);
    const on = powerOn("fridge").at(-1)!;
    expect([on.value, on.time]).toEqual([1, runFrom + 120_000]);

    // Between threshold − hysteresis (30 W) and the threshold it stays on; below 30 W for two minutes it is off.
    await readings([35, 45, 32, 40]);
    const offFrom = clock.now();
    await readings([3, 2, 3, 2]);
    const values = powerOn("fridge").map((s) => s.value);
    const transitions = values.filter((v, i) => i > 0 && v !== values[i - 1]);
    expect(transitions).toEqual([1, 0]);
    const off = powerOn("fridge").find((s, i, all) => s.value === 0 && all[i - 1]?.value === 1)!;
    expect(off.time).toBe(offFrom + 120_000);
    expect(t.samples.filter((s) => s.metric === "power.watts" && s.tags.includes("appliance:fridge"))).toHaveLength(21);
  });

  it("applies an appliance added on reload at once, and keeps the state of those that did not change", async () => {
    const file = path.join(t.rulesDir, "house.yaml");
    fs.writeFileSync(file, `${fs.readFileSync(file, "utf8")}  kettle: {device: counter_plug, threshold: 500, min_duration: 0}\n`);
    const changes = await t.hub.reload(loadTestConfig(t.configFile, t.rulesDir));
    expect(changes).toContain("rules.appliances");
    await watts("counter_plug", "kettle", 2200);
    expect(powerOn("kettle").map((s) => [s.value, s.tags])).toEqual([[1, tagged("appliance:kettle", "device:counter_plug")]]);
    // The fridge was off before the reload and its settings did not change: 60 W only starts its two
    // minutes; afresh, that first reading would have turned it on at once.
    await watts("fridge_plug", "fridge", 60);
    expect(powerOn("fridge").at(-1)!.value).toBe(0);
  });
});
