import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Explainer, formatExplanation } from "../../src/cli/explain.js";
import { bothWays } from "../helpers/both-ways.js";
import { readFixture, readMessages } from "../helpers/fixtures.js";
import { formatIssue } from "../../src/config-kit/issues.js";
import { loadAll } from "../../src/config/load.js";
import { loadTestConfig, startTestHub, writeTestConfig, type TestHub } from "../helpers/hub.js";
import { rejected, tagged, type Want } from "../helpers/want.js";
import { waitFor } from "../helpers/wait.js";

/** A house as it is really set up: most plugs on the default FullTopic, one on %topic%/%prefix%/, a Teleinfo meter on a long custom prefix. */
const RULES = `
presets:
  tasmota:
    full_topic: ["%prefix%/%topic%/", "%topic%/%prefix%/"]
    devices:
      denky_D6C0C0: {full_topic: "emoncms/ch2i/factory/%topic%/%prefix%/"}
`;

const dev = (device: string, ...extra: string[]) => tagged(`device:${device}`, "source:tasmota", ...extra);

describe("Tasmota as houses configure it", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ rules: { "presets.yaml": RULES } });
  });
  afterAll(() => t.stop());

  it("decodes devices on different FullTopics side by side, and a topic two layouts describe once", async () => {
    const { explained, received } = await bothWays(t, [
      // tasmota/docs docs/devices/Sonoff-Pow-R2.md: the default layout.
      { topic: "tele/pow1/SENSOR", payload: readFixture("power/tasmota-sensor-energy.json").trim() },
      // arendst/Tasmota#7097 (test/fixtures/discovery/README.md): a Tasmota 7.1.1 plug whose FullTopic is %topic%/%prefix%/.
      {
        topic: "tasmota01/tele/SENSOR",
        payload:
          '{"Time":"2019-12-05T21:18:55","ENERGY":{"TotalStartTime":"2019-11-14T18:39:40","Total":6.294,"Yesterday":5.340,"Today":0.954,"Period":0,"Power":0}}',
      },
      { topic: "tasmota01/tele/LWT", payload: "Online" },
      // tasmota/docs docs/Teleinfo.md (test/fixtures/power/README.md): a Linky meter on FullTopic
      // emoncms/ch2i/factory/%topic%/%prefix%/, its ENERGY with the Teleinfo `Load`; then raw TIC frames,
      // which are the backend's to read and give nothing (and are not bad input).
      ...readMessages("power/tasmota-teleinfo-custom-fulltopic.jsonl"),
      // A device whose Topic is "tele" matches both layouts: one reading, not two.
      { topic: "tele/tele/SENSOR", payload: '{"ENERGY":{"Power":12}}' },
    ]);
    const denky = dev("denky_d6c0c0");
    const teleinfo = (total: number, today: number, watts: number): Want[] => [
      ["power.watts", watts, "W", denky],
      ["power.current", 1, "A", denky],
      ["power.energy", total, "kWh", denky],
      ["power.energy_today", today, "kWh", denky],
      ["power.energy_yesterday", 6822.685, "kWh", denky],
      ["power.load", 6, "%", denky], // 1 A of a 15 A subscription (ISOUSC)
      ["sensor.temperature", 36.1, "°C", dev("denky_d6c0c0", "sensor:esp32")],
    ];
    const want: Want[] = [
      ["power.watts", 2635, "W", dev("pow1")],
      ["power.apparent", 2650, "VA", dev("pow1")],
      ["power.reactive", 282, "var", dev("pow1")],
      ["power.factor", 0.99, undefined, dev("pow1")],
      ["power.voltage", 227, "V", dev("pow1")],
      ["power.current", 11.661, "A", dev("pow1")],
      ["power.energy", 6.294, "kWh", dev("pow1")],
      ["power.energy_today", 0.954, "kWh", dev("pow1")],
      ["power.energy_yesterday", 5.34, "kWh", dev("pow1")],
      ["power.watts", 0, "W", dev("tasmota01")],
      ["power.energy", 6.294, "kWh", dev("tasmota01")],
      ["power.energy_today", 0.954, "kWh", dev("tasmota01")],
      ["power.energy_yesterday", 5.34, "kWh", dev("tasmota01")],
      ["device.online", 1, undefined, dev("tasmota01")],
      ...teleinfo(9098.245, 2275.56, 170),
      ...teleinfo(9098.255, 2275.57, 190),
      ...teleinfo(9098.265, 2275.579, 170).map(([m, v, u, tags]): Want => [m, m === "sensor.temperature" ? 36.7 : v, u, tags]),
      ["power.watts", 12, "W", dev("tele")],
    ];
    expect(explained).toEqual(want);
    expect(received).toEqual(want);
  });

  it("reads Sonoff-Tasmota 5.x: ENERGY on its own topic, Uptime in hours, and POWER:POWER counted once", async () => {
    // tasmota/docs docs/openHAB.md, "Discovering Interesting Topics" (test/fixtures/power/README.md).
    const before = await rejected(t.httpUrl, "wrong_type");
    const { explained, received } = await bothWays(t, readMessages("power/tasmota-5x-pow-state-energy-uptime.jsonl"));
    const d = dev("tasmota-e8a6e4");
    const energy: Want[] = [
      ["power.watts", 0, "W", d],
      ["power.factor", 0, undefined, d],
      ["power.voltage", 0, "V", d],
      ["power.current", 0, "A", d],
      ["power.energy", 0.64, "kWh", d],
      ["power.energy_today", 0.003, "kWh", d],
      ["power.energy_yesterday", 0.007, "kWh", d],
    ];
    const state: Want[] = [
      ["device.uptime", 68 * 3600, "s", d], // 68 hours
      ["device.wifi.rssi", 100, "%", d],
    ];
    const want: Want[] = [
      ["device.online", 1, undefined, d],
      ["device.uptime", 68 * 3600, "s", d], // tele/…/UPTIME
      ...state,
      ...energy,
      ...state,
      ...energy,
      // cmnd/…/POWER is a command; RESULT and POWER are the relay's answer.
      ["power.relay", 0, undefined, d],
      ["power.relay", 0, undefined, d],
    ];
    expect(explained).toEqual(want);
    expect(received).toEqual(want);
    // "POWER":"POWER" came twice: counted once, and the second time explained as such.
    await waitFor(async () => (await rejected(t.httpUrl, "wrong_type")) === before + 1, "one wrong_type rejection");
    const explainer = new Explainer(loadTestConfig(t.configFile, t.rulesDir));
    const [, , state1, , state2] = readMessages("power/tasmota-5x-pow-state-energy-uptime.jsonl");
    const first = explainer.explain(state1!.topic, Buffer.from(state1!.payload));
    const second = explainer.explain(state2!.topic, Buffer.from(state2!.payload));
    expect(first.matches[0]!.skipped).toEqual([{ metric: "power.relay", why: '"POWER" is not ON or OFF', reason: "wrong_type" }]);
    expect(formatExplanation(second)).toContain('skipped power.relay: "POWER" is not ON or OFF (counted once, the first time this device sent it)');
  });

  it("reads STATUS8, STATUS10 and STATUS11 replies like SENSOR and STATE", async () => {
    // tasmota/docs docs/devices/Sonoff-Pow-R2.md, docs/Bluetooth.md and docs/JSON-Status-Responses.md (test/fixtures/power/README.md).
    const { explained, received } = await bothWays(t, readMessages("power/tasmota-status-replies.jsonl"));
    const want: Want[] = [
      ["power.watts", 2629, "W", dev("pow1")],
      ["power.apparent", 2645, "VA", dev("pow1")],
      ["power.reactive", 288, "var", dev("pow1")],
      ["power.factor", 0.99, undefined, dev("pow1")],
      ["power.voltage", 226, "V", dev("pow1")],
      ["power.current", 11.677, "A", dev("pow1")],
      ["power.energy", 6.404, "kWh", dev("pow1")],
      ["power.energy_today", 1.064, "kWh", dev("pow1")],
      ["power.energy_yesterday", 5.34, "kWh", dev("pow1")],
      ["sensor.temperature", 21.7, "°C", dev("tasmota", "sensor:flora-6ab577")],
      ["sensor.illuminance", 21, "lx", dev("tasmota", "sensor:flora-6ab577")],
      ["sensor.humidity", 0, "%", dev("tasmota", "sensor:flora-6ab577")],
      ["sensor.temperature", 22.3, "°C", dev("tasmota", "sensor:mj_ht_v1-3108be")],
      ["sensor.humidity", 56.1, "%", dev("tasmota", "sensor:mj_ht_v1-3108be")],
      ["sensor.temperature", 78.8, "°F", dev("sonoff", "sensor:dht11")],
      ["sensor.humidity", 27, "%", dev("sonoff", "sensor:dht11")],
      ["sensor.temperature", 74.8, "°F", dev("sonoff", "sensor:sht3x")],
      ["sensor.humidity", 18.9, "%", dev("sonoff", "sensor:sht3x")],
      ["device.uptime", 95_606, "s", dev("sonoff")], // "1 02:33:26"
      ["device.wifi.rssi", 100, "%", dev("sonoff")],
      ["power.relay", 0, undefined, dev("sonoff")],
    ];
    expect(explained).toEqual(want);
    expect(received).toEqual(want);
  });

  it("tags the positions of multi-phase and multi-tariff arrays, and reads an ENERGY field it has no name for", async () => {
    // No recording: built from tasmota/docs. docs/Rules.md: "When the payload consists of an array of data
    // eg: "ENERGY":{"Current":[1.320,2.100]}"; docs/changelog.md: "Total":33.736,"TotalTariff":[11.717,16.978]
    // and "ExportActive":33.736,"ExportTariff":[11.717,16.978]; PhaseAngle as a newer meter's field.
    const payload =
      '{"ENERGY":{"Total":33.736,"TotalTariff":[11.717,16.978],"ExportActive":33.736,"ExportTariff":[11.717,16.978],"Voltage":[230.1,229.8,231.2],"Current":[1.320,2.100,0.5],"PhaseAngle":[12.5,3,0]}}';
    const { explained, received } = await bothWays(t, [{ topic: "tele/meter3/SENSOR", payload }]);
    const m = (...extra: string[]) => dev("meter3", ...extra);
    const want: Want[] = [
      ["power.voltage", 230.1, "V", m("channel:1")],
      ["power.voltage", 229.8, "V", m("channel:2")],
      ["power.voltage", 231.2, "V", m("channel:3")],
      ["power.current", 1.32, "A", m("channel:1")],
      ["power.current", 2.1, "A", m("channel:2")],
      ["power.current", 0.5, "A", m("channel:3")],
      ["power.energy", 33.736, "kWh", m()],
      ["power.energy_returned", 33.736, "kWh", m()],
      ["power.energy_tariff", 11.717, "kWh", m("tariff:1")],
      ["power.energy_tariff", 16.978, "kWh", m("tariff:2")],
      ["power.energy_returned_tariff", 11.717, "kWh", m("tariff:1")],
      ["power.energy_returned_tariff", 16.978, "kWh", m("tariff:2")],
      ["power.phase_angle", 12.5, undefined, m("channel:1")],
      ["power.phase_angle", 3, undefined, m("channel:2")],
      ["power.phase_angle", 0, undefined, m("channel:3")],
    ];
    expect(explained).toEqual(want);
    expect(received).toEqual(want);
  });
});

describe("Tasmota options", () => {
  it("refuses a shared FullTopic without %topic% and a device name that is not one topic level, saying where", () => {
    const { configFile, rulesDir } = writeTestConfig({
      rules: {
        "presets.yaml":
          'presets:\n  tasmota:\n    full_topic: ["%prefix%/%topic%/", "garage/%prefix%/"]\n    devices:\n      "a/b": {full_topic: "%prefix%/%topic%/"}\n',
      },
    });
    const r = loadAll({ configFile, rulesDir, env: {} });
    fs.rmSync(path.dirname(configFile), { recursive: true, force: true });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.issues.map(formatIssue).join("\n");
    expect(text).toMatch(/presets\.yaml:3:\d+: .*a FullTopic shared by several devices needs %topic%/);
    expect(text).toMatch(/presets\.yaml:5:\d+: .*a device's Topic is one topic level, without \/, \+ or #/);
  });
});
