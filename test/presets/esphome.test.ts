import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readMessages } from "../helpers/fixtures.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt, mosquittoPub } from "../helpers/mqtt.js";
import { asWant, publishAll, rejected, tagged } from "../helpers/want.js";
import { waitFor } from "../helpers/wait.js";

describe("ESPHome and ESPresense presets on recorded payloads", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ rules: { "presets.yaml": "presets: [esphome, espresense]\n" } });
  });
  afterAll(() => t.stop());

  const of = (device: string) => t.samples.filter((s) => s.tags.includes(`device:${device}`)).map(asWant);

  it("reads plain-text states: numbers become samples, a text sensor's words do not, a switch is 1/0", async () => {
    // syssi/esphome-soyosource-gtn-virtual-meter#71 (test/fixtures/hydroponics/README.md).
    const before = await rejected(t.httpUrl, "wrong_type");
    const client = await connectMqtt(t.mqttUrl);
    await publishAll(client, [{ topic: "attic-powerwall/status", payload: "online" }, ...readMessages("hydroponics/esphome-mqtt-state-topics.jsonl")]);
    await client.endAsync();
    const node = (tag: string) => tagged("device:attic-powerwall", "source:esphome", tag);
    await waitFor(() => of("attic-powerwall").length >= 5, "five samples from the node");
    expect(of("attic-powerwall")).toEqual([
      ["device.online", 1, undefined, tagged("device:attic-powerwall", "source:esphome")],
      ["sensor.value", 190, undefined, node("sensor:inverter0_power_demand")],
      ["sensor.value", 0, undefined, node("sensor:firstfloor_inverter_power_demand")],
      ["sensor.value", 0.105, undefined, node("sensor:firstfloor_inverter_energy_yesterday")],
      ["power.relay", 0, undefined, node("relay:attic-powerwall_restart")],
    ]);
    // "Normal" and "Auto" are text states by design, not bad input.
    expect(await rejected(t.httpUrl, "wrong_type")).toBe(before);
  });

  it("counts nan (a failed probe) as rejected and reads the node's will", async () => {
    const before = await rejected(t.httpUrl, "nan");
    await mosquittoPub(t.mqttPort, "garden/sensor/water_temperature/state", "nan");
    await mosquittoPub(t.mqttPort, "garden/status", "offline");
    await waitFor(async () => (await rejected(t.httpUrl, "nan")) === before + 1 && of("garden").length >= 1, "the nan rejection and the will");
    expect(of("garden")).toEqual([["device.online", 0, undefined, tagged("device:garden", "source:esphome")]]);
  });

  it("reads an ESPresense node's status and leaves its retained settings alone", async () => {
    // ESPresense/ESPresense.com src/content/docs/configuration/mqtt.md (test/fixtures/presence/README.md).
    const unmatched = async () => Number(/hearth_ingest_unmatched_total (\d+)/.exec(await (await fetch(`${t.httpUrl}/metrics`)).text())![1]);
    const emptyBefore = await rejected(t.httpUrl, "empty");
    const unmatchedBefore = await unmatched();
    const recorded = readMessages("presence/espresense-room-settings-snapshot.jsonl");
    const client = await connectMqtt(t.mqttUrl);
    await publishAll(client, [
      ...recorded,
      {
        topic: "espresense/devices/irk:0123456789abcdef/study",
        payload:
          '{"id":"irk:0123456789abcdef","name":"Alex\'s phone","rssi@1m":-65,"rssi":-71,"raw":2.1,"distance":1.83,"speed":0.02,"mac":"5a3f1e2d4c6b","interval":212}',
      },
    ]);
    await client.endAsync();
    await waitFor(() => t.samples.some((s) => s.metric === "presence.distance"), "the distance sample");
    expect(of("study")).toEqual([["device.online", 1, undefined, tagged("device:study", "room:study", "source:espresense")]]);
    expect(t.samples.filter((s) => s.metric === "presence.distance").map(asWant)).toEqual([
      ["presence.distance", 1.83, "m", tagged("beacon:irk:0123456789abcdef", "room:study", "source:espresense")],
    ]);
    // The 14 settings topics (some empty) match no rule: not readings, and nothing is rejected.
    expect((await unmatched()) - unmatchedBefore).toBe(recorded.length - 1);
    expect(await rejected(t.httpUrl, "empty")).toBe(emptyBefore);
  });
});
