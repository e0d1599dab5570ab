import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bothWays } from "../helpers/both-ways.js";
import { readFixture } from "../helpers/fixtures.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { rejected, tagged, type Want } from "../helpers/want.js";
import { waitFor } from "../helpers/wait.js";

describe("Shelly Gen1 in roller (cover) mode", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ rules: { "presets.yaml": "presets: [shelly_gen1]\n" } });
  });
  afterAll(() => t.stop());

  const id = "shellyswitch25-3494546BBF7E";
  const roller0 = tagged("device:shellyswitch25-3494546bbf7e", "roller:0", "source:shelly");
  const plain = tagged("device:shellyswitch25-3494546bbf7e", "source:shelly");

  it("reads the roller topics with the relays' metric names, the same live and in --explain", async () => {
    // Topics and values as the Shelly 2.5 documents them in roller mode (Shelly Gen1 API, Shelly2.5
    // MQTT: https://shelly-api-docs.shelly.cloud/gen1/#shelly2-5-mqtt; states and ranges as its CoAP
    // description lists them, ioBroker.shelly lib/devices/gen1/shellyswitch25.js): the blind opens,
    // draws power, stops on an obstacle, then reports a watt-minute energy counter.
    const { explained, received } = await bothWays(t, [
      { topic: `shellies/${id}/roller/0`, payload: "open" },
      { topic: `shellies/${id}/roller/0/power`, payload: "118.52" },
      { topic: `shellies/${id}/roller/0/pos`, payload: "37" },
      { topic: `shellies/${id}/roller/0`, payload: "stop" },
      { topic: `shellies/${id}/roller/0/stop_reason`, payload: "obstacle" },
      { topic: `shellies/${id}/roller/0/energy`, payload: "3681264" },
      { topic: `shellies/${id}/roller/0`, payload: "close" },
      { topic: `shellies/${id}/roller/0/pos`, payload: "-1" },
    ]);
    const want: Want[] = [
      ["cover.direction", 1, undefined, roller0],
      ["power.watts", 118.52, "W", roller0],
      ["cover.position", 37, "%", roller0],
      ["cover.direction", 0, undefined, roller0],
      ["power.overpower", 0, undefined, roller0],
      ["cover.obstacle", 1, undefined, roller0],
      ["cover.safety_switch", 0, undefined, roller0],
      ["power.energy", 61.3544, "kWh", roller0], // 3 681 264 watt-minutes
      ["cover.direction", -1, undefined, roller0],
      // pos -1: not calibrated, no position
    ];
    expect(explained).toEqual(want);
    expect(received).toEqual(want);
  });

  it("reads a roller-mode /status on …/info: the roller's state, power and position, not the windings' meters", async () => {
    // Luligu/matterbridge-shelly src/mock/shellyswitch25-3494546BBF7E.json (test/fixtures/power/README.md):
    // a Shelly 2.5 in roller mode, firmware 1.14.0.
    const status = (JSON.parse(readFixture("power/shelly-gen1-25-roller-status.json")) as { status: unknown }).status;
    const { explained, received } = await bothWays(t, [{ topic: `shellies/${id}/info`, payload: JSON.stringify(status) }]);
    const want: Want[] = [
      ["cover.direction", 0, undefined, roller0],
      ["power.watts", 0, "W", roller0],
      ["cover.position", 0, "%", roller0],
      ["device.temperature", 54.9, "°C", plain],
      ["device.overtemperature", 0, undefined, plain],
      ["device.wifi.signal", -55, "dBm", plain],
      ["device.uptime", 9440, "s", plain],
    ];
    expect(explained).toEqual(want);
    expect(received).toEqual(want);
  });

  it("counts a roller state it does not know as bad input", async () => {
    const before = await rejected(t.httpUrl, "wrong_type");
    const { explained } = await bothWays(t, [{ topic: `shellies/${id}/roller/0`, payload: "ajar" }]);
    expect(explained).toEqual([]);
    await waitFor(async () => (await rejected(t.httpUrl, "wrong_type")) === before + 1, "one wrong_type rejection");
  });
});
