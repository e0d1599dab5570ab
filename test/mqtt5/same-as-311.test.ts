import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { metricValue, scrape } from "../helpers/metrics.js";
import { waitFor } from "../helpers/wait.js";
import { LOGIN, inbox, refusal, subackCodes, writePasswords } from "./v5.js";

type Version = 4 | 5;

/**
 * The same house rules for every device, whatever protocol it speaks: credentials, the ACL, the
 * reserved topics, the payload limit and max_clients refuse the same things for an MQTT 5 client
 * as for a 3.1.1 one, and count them on the same counters. Only the codes differ, each protocol
 * saying it in its own words (MQTT 3.1.1 §3.2.2.3 return codes, MQTT 5 §3.2.2.2 / §3.9.3 reason codes).
 */
const CODES = {
  4: { badPassword: 4, notAuthorized: 5, subscribeRefused: 0x80, serverBusy: 3 },
  5: { badPassword: 0x86, notAuthorized: 0x87, subscribeRefused: 0x87, serverBusy: 0x97 },
} as const;

describe("MQTT 5 clients get the house rules exactly as 3.1.1 clients do", () => {
  let dir: string;
  let t: TestHub;
  const clients: MqttClient[] = [];
  const keep = (c: MqttClient) => (clients.push(c), c);
  const counter = async (name: string, labels: Record<string, string> = {}) => metricValue(await scrape(t.httpUrl), name, labels);
  const counters = async () => ({
    badCredentials: await counter("hearth_mqtt_connections_refused_total", { reason: "bad_credentials" }),
    anonymous: await counter("hearth_mqtt_connections_refused_total", { reason: "anonymous" }),
    aclPublish: await counter("hearth_mqtt_publish_denied_total", { reason: "acl" }),
    reservedPublish: await counter("hearth_mqtt_publish_denied_total", { reason: "reserved" }),
    tooLarge: await counter("hearth_mqtt_publish_denied_total", { reason: "too_large" }),
    subscribeDenied: await counter("hearth_mqtt_subscribe_denied_total", { reason: "acl" }),
    ingested: await counter("hearth_ingest_messages_total"),
  });

  beforeAll(async () => {
    // A house's broker: a password file, an ACL giving a Tasmota plug its own topics only, a payload limit.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-v5same-"));
    const passwd = path.join(dir, "passwd");
    await writePasswords(passwd, { homeowner: LOGIN.password, tasmota: "plug-pass" });
    const acl = [
      { user: "homeowner", both: ["#"] },
      { user: "tasmota", publish: ["tele/%c/#"], subscribe: ["cmnd/%c/#"] },
    ];
    t = await startTestHub({ config: { mqtt: { allow_anonymous: false, password_file: passwd, acl, max_payload_bytes: 1024 } } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await t.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** One device's day at the hub, speaking `version`: what it was refused, what got through, what was counted. */
  async function day(version: Version) {
    const url = t.mqttUrl;
    const before = await counters();
    const wrongPassword = await refusal(url, { protocolVersion: version, clientId: `wrong-${version}`, username: "tasmota", password: "guess" });
    const noCredentials = await refusal(url, { protocolVersion: version, clientId: `anon-${version}` });

    const watcher = keep(await connectMqtt(url, { protocolVersion: 4, clientId: `watcher-${version}`, ...LOGIN }));
    const seen = inbox(watcher);
    await watcher.subscribeAsync(["tele/#", "hearth/#", "big/#"], { qos: 1 });

    const plug = keep(await connectMqtt(url, { protocolVersion: version, clientId: `plug${version}`, username: "tasmota", password: "plug-pass" }));
    const suback = await subackCodes(plug, [`cmnd/plug${version}/POWER`, "cmnd/other/POWER"], { qos: 1 });
    // QoS 0: a 3.1.1 broker cannot say no to a publish, so neither protocol's client waits for an answer.
    await plug.publishAsync("tele/someone-else/SENSOR", "not mine", { qos: 0 });
    await plug.publishAsync("hearth/status", "fake", { qos: 0 });
    await plug.publishAsync(`tele/plug${version}/SENSOR`, "x".repeat(2000), { qos: 0 });
    await plug.publishAsync(`tele/plug${version}/SENSOR`, '{"ENERGY":{"Power":42}}', { qos: 1 });
    await waitFor(() => seen.some((m) => m.topic === `tele/plug${version}/SENSOR`), "the plug's own message");

    const expected = { badCredentials: 1, anonymous: 1, aclPublish: 1, reservedPublish: 1, tooLarge: 1, subscribeDenied: 1, ingested: 1 };
    const delta = async () => {
      const now = await counters();
      return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - before[k as keyof typeof before]]));
    };
    await waitFor(async () => JSON.stringify(await delta()) === JSON.stringify(expected), `the counters for ${version} (${JSON.stringify(await delta())})`);
    return {
      codes: { wrongPassword, noCredentials, suback },
      delivered: seen.map((m) => `${m.topic} ${m.text}`),
      counted: await delta(),
      stillConnected: plug.connected,
    };
  }

  it("[MQTT-3.2.2-8] [MQTT-3.9.3-1] credentials, ACL, reserved topics and max_payload_bytes refuse and count the same for both, in each protocol's codes", async () => {
    const old = await day(4);
    const v5 = await day(5);
    for (const [version, seen] of [
      [4, old],
      [5, v5],
    ] as const) {
      const codes = CODES[version];
      expect(seen.codes).toEqual({ wrongPassword: codes.badPassword, noCredentials: codes.notAuthorized, suback: [1, codes.subscribeRefused] });
      expect(seen.delivered).toEqual([`tele/plug${version}/SENSOR {"ENERGY":{"Power":42}}`]);
      expect(seen.stillConnected).toBe(true);
    }
    expect(v5.counted).toEqual(old.counted);
  });
});

describe("max_clients for MQTT 5 clients as for 3.1.1 ones", () => {
  let t: TestHub;
  let first: MqttClient;
  beforeAll(async () => {
    t = await startTestHub({ config: { mqtt: { max_clients: 1 } } });
    first = await connectMqtt(t.mqttUrl, { clientId: "the-one" });
  });
  afterAll(async () => {
    await first.endAsync(true);
    await t.stop();
  });

  it("[MQTT-3.2.2-8] a client past max_clients is refused, CONNACK 3 (Server unavailable) for 3.1.1 and 0x97 (Quota exceeded) for MQTT 5, each counted", async () => {
    const refused = async () => metricValue(await scrape(t.httpUrl), "hearth_mqtt_connections_refused_total", { reason: "max_clients" });
    const before = await refused();
    expect(await refusal(t.mqttUrl, { protocolVersion: 4, clientId: "second-311" })).toBe(CODES[4].serverBusy);
    expect(await refusal(t.mqttUrl, { protocolVersion: 5, clientId: "second-v5" })).toBe(CODES[5].serverBusy);
    await waitFor(async () => (await refused()) === before + 2, "both refusals counted");
    expect(first.connected).toBe(true);
  });
});
