import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFixture, readMessages } from "../helpers/fixtures.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt, mosquittoPub } from "../helpers/mqtt.js";
import { asWant, publishAll, rejected, tagged, type Want } from "../helpers/want.js";
import { waitFor } from "../helpers/wait.js";

describe("Shelly presets on recorded payloads", () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ rules: { "presets.yaml": "presets: [shelly_gen1, shelly_gen2]\n" } });
  });
  afterAll(() => t.stop());

  const of = (device: string) => t.samples.filter((s) => s.tags.includes(`device:${device}`)).map(asWant);
  const collect = async (device: string, n: number) => {
    await waitFor(() => of(device).length >= n, `${n} samples from ${device}`);
    return of(device);
  };

  describe("Gen1", () => {
    const id = "shellyplug-s-C38EAB";
    const dev = "device:shellyplug-s-c38eab";
    const relay0 = tagged(dev, "relay:0", "source:shelly");
    const plain = tagged(dev, "source:shelly");

    it("reads the /status document on …/info: relay, overpower, watts, the watt-minute counter as kWh, temperature", async () => {
      // Luligu/matterbridge-shelly src/mock/shellyplug-s-C38EAB.json (test/fixtures/power/README.md): the
      // /status body, which Gen1 firmware also publishes on shellies/<id>/info (enesbcs/shellyteacher4domo#18).
      const status = (JSON.parse(readFixture("power/shelly-gen1-plug-s-status.json")) as { status: unknown }).status;
      await mosquittoPub(t.mqttPort, `shellies/${id}/info`, JSON.stringify(status));
      expect(await collect("shellyplug-s-c38eab", 6)).toEqual([
        ["power.relay", 0, undefined, relay0],
        ["power.overpower", 0, undefined, relay0],
        ["power.watts", 0, "W", relay0],
        ["power.energy", 2.9335, "kWh", relay0], // meters[0].total = 176010 watt-minutes
        ["device.temperature", 27.14, "°C", plain],
        ["device.overtemperature", 0, undefined, plain],
      ]);
    });

    it("reads the per-reading topics, including an overpower trip and the online flag", async () => {
      const before = of("shellyplug-s-c38eab").length;
      // The same plug's readings as Gen1 publishes them, one plain-text topic each (Shelly Gen1 API, MQTT;
      // ioBroker.shelly src/lib/devices/gen1/shellyplugs.ts), with the values of the recorded /status.
      const client = await connectMqtt(t.mqttUrl);
      await publishAll(client, [
        { topic: `shellies/${id}/online`, payload: "true" },
        { topic: `shellies/${id}/relay/0`, payload: "off" },
        { topic: `shellies/${id}/relay/0/power`, payload: "0.00" },
        { topic: `shellies/${id}/relay/0/energy`, payload: "176010" },
        { topic: `shellies/${id}/temperature`, payload: "27.14" },
        { topic: `shellies/${id}/overtemperature`, payload: "0" },
        { topic: `shellies/${id}/relay/0`, payload: "overpower" },
        { topic: `shellies/${id}/online`, payload: "false" },
      ]);
      await client.endAsync();
      const want: Want[] = [
        ["device.online", 1, undefined, plain],
        ["power.relay", 0, undefined, relay0],
        ["power.overpower", 0, undefined, relay0],
        ["power.watts", 0, "W", relay0],
        ["power.energy", 2.9335, "kWh", relay0],
        ["device.temperature", 27.14, "°C", plain],
        ["device.overtemperature", 0, undefined, plain],
        ["power.relay", 0, undefined, relay0],
        ["power.overpower", 1, undefined, relay0],
        ["device.online", 0, undefined, plain],
      ];
      expect((await collect("shellyplug-s-c38eab", before + want.length)).slice(before)).toEqual(want);
    });

    it("counts a relay word it does not know as bad input and keeps going", async () => {
      const before = await rejected(t.httpUrl, "wrong_type");
      await mosquittoPub(t.mqttPort, "shellies/shelly1-AAAA/relay/0", "maybe");
      await waitFor(async () => (await rejected(t.httpUrl, "wrong_type")) === before + 1, "one wrong_type rejection");
      expect(of("shelly1-aaaa")).toEqual([]);
    });
  });

  describe("Gen2/Gen3", () => {
    it("reads a full switch status: output, watts, volts, amps, energy in Wh as kWh, temperature", async () => {
      // Luligu/matterbridge-shelly src/mock/shellyplusplugs-E86BEAEAA000.json, status["switch:0"].
      await mosquittoPub(t.mqttPort, "shellyplusplugs-e86beaeaa000/status/switch:0", readFixture("power/shelly-gen2-plusplugs-status-switch0.json"));
      const tags = tagged("device:shellyplusplugs-e86beaeaa000", "relay:0", "source:shelly");
      expect(await collect("shellyplusplugs-e86beaeaa000", 6)).toEqual([
        ["power.relay", 1, undefined, tags],
        ["power.watts", 36.7, "W", tags],
        ["power.voltage", 232.1, "V", tags],
        ["power.current", 0.307, "A", tags],
        ["power.energy", 499.599717, "kWh", tags], // aenergy.total = 499599.717 Wh
        ["device.temperature", 45.5, "°C", tags],
      ]);
    });

    it("lays each NotifyStatus change over the last known status, so unchanged readings stay current", async () => {
      // mlyszczek/shelldown readme.md: four NotifyStatus frames of a Shelly Plus 1PM, each with only the changed keys.
      const client = await connectMqtt(t.mqttUrl);
      await publishAll(client, [
        { topic: "shellyplus1pm-4417939a5610/online", payload: "true" },
        ...readMessages("power/shelly-gen2-events-rpc-notifystatus.jsonl"),
      ]);
      await client.endAsync();
      const dev = "device:shellyplus1pm-4417939a5610";
      const tags = tagged(dev, "relay:0", "source:shelly");
      expect(await collect("shellyplus1pm-4417939a5610", 12)).toEqual([
        ["device.online", 1, undefined, tagged(dev, "source:shelly")],
        // {"output":true,"voltage":224.18}
        ["power.relay", 1, undefined, tags],
        ["power.voltage", 224.18, "V", tags],
        // {"apower":918.63}: output and voltage are still known
        ["power.relay", 1, undefined, tags],
        ["power.watts", 918.63, "W", tags],
        ["power.voltage", 224.18, "V", tags],
        // {"apower":1800.50}
        ["power.relay", 1, undefined, tags],
        ["power.watts", 1800.5, "W", tags],
        ["power.voltage", 224.18, "V", tags],
        // {"apower":0,"output":false,"voltage":0}
        ["power.relay", 0, undefined, tags],
        ["power.watts", 0, "W", tags],
        ["power.voltage", 0, "V", tags],
      ]);
    });

    it("merges a change into a status that came on status/switch:0", async () => {
      // A NotifyStatus frame as documented (shelly-api-docs gen2 General/Notifications), after the recorded full status.
      const before = of("shellyplusplugs-e86beaeaa000").length;
      const frame = {
        src: "shellyplusplugs-e86beaeaa000",
        dst: "shellyplusplugs-e86beaeaa000/events",
        method: "NotifyStatus",
        params: { ts: 1779362300.1, "switch:0": { id: 0, apower: 1250.4, current: 5.39 } },
      };
      await mosquittoPub(t.mqttPort, "shellyplusplugs-e86beaeaa000/events/rpc", JSON.stringify(frame));
      const got = (await collect("shellyplusplugs-e86beaeaa000", before + 6)).slice(before);
      expect(got.map(([m, v]) => [m, v])).toEqual([
        ["power.relay", 1],
        ["power.watts", 1250.4],
        ["power.voltage", 232.1],
        ["power.current", 5.39],
        ["power.energy", 499.599717],
        ["device.temperature", 45.5],
      ]);
    });
  });
});
