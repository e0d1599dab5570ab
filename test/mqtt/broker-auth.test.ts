import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatEntry, hashPassword } from "../../src/mqtt/passwd.js";
import { readFixture } from "../helpers/fixtures.js";
import { loadTestConfig, startTestHub, writeTestConfig, type TestHub } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { waitFor } from "../helpers/wait.js";

/** Cheaper scrypt parameters than the default, so the suite stays quick; `hearth passwd` with the default is tested in test/cli. */
const CHEAP = { ln: 10, r: 8, p: 1 };

async function writePasswords(file: string, users: Record<string, string>): Promise<void> {
  const lines = await Promise.all(Object.entries(users).map(async ([u, p]) => formatEntry(u, await hashPassword(p, CHEAP))));
  fs.writeFileSync(file, `${lines.join("\n")}\n`);
}

/** mosquitto_pub's exit code and what it printed, for a login that is expected to fail. */
function mosquittoPubResult(port: number, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      "mosquitto_pub",
      ["-h", "127.0.0.1", "-p", String(port), "-t", "tele/plug1/SENSOR", "-m", "{}", ...args],
      { timeout: 10_000 },
      (err, _out, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

const metric = async (t: TestHub, line: string) => (await (await fetch(`${t.httpUrl}/metrics`)).text()).split("\n").find((l) => l.startsWith(line));

const acl = [
  { user: "tasmota", publish: ["tele/%c/#", "stat/%c/#"], subscribe: ["cmnd/%c/#"] },
  { user: "homeowner", both: ["#"] },
  { user: "alice", subscribe: ["tele/+/SENSOR", "tele/+/LWT"] },
];

describe("broker credentials and ACL", () => {
  let t: TestHub;
  let dir: string;
  let passwd: string;
  const clients: MqttClient[] = [];
  const connect = async (username: string, password: string, clientId: string, extra = {}) => {
    const c = await connectMqtt(t.mqttUrl, { username, password, clientId, ...extra });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-auth-"));
    passwd = path.join(dir, "passwd");
    await writePasswords(passwd, { tasmota: "plug-pass", homeowner: "root-pass", alice: "alice-pass" });
    t = await startTestHub({ config: { mqtt: { allow_anonymous: false, password_file: passwd, acl } } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await t.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a wrong password with CONNACK 4 and a client without credentials with CONNACK 5, logging the client id but never the password", async () => {
    await expect(connectMqtt(t.mqttUrl, { username: "tasmota", password: "not-the-plug-pass", clientId: "plug1" })).rejects.toMatchObject({ code: 4 });
    await expect(connectMqtt(t.mqttUrl, { clientId: "stranger" })).rejects.toMatchObject({ code: 5 });
    const viaMosquitto = await mosquittoPubResult(t.mqttPort, ["-i", "plug9", "-u", "mallory", "-P", "guessed-pass"]);
    expect(viaMosquitto.code).not.toBe(0);
    expect(viaMosquitto.stderr).toMatch(/bad user name or password/i);

    const refused = t.logs.entries.filter((e) => e.code === "HEARTH_E_MQTT_LOGIN_REFUSED");
    expect(refused.map((e) => [e.client, e.reason, e.returnCode])).toEqual([
      ["plug1", "bad_credentials", 4],
      ["stranger", "anonymous", 5],
      ["plug9", "bad_credentials", 4],
    ]);
    expect(refused[0]!.msg).toBe('MQTT login refused for client "plug1": wrong password for user "tasmota" (CONNACK 4)');
    const everything = JSON.stringify(t.logs.entries);
    expect(everything).not.toContain("not-the-plug-pass");
    expect(everything).not.toContain("guessed-pass");
    expect(await metric(t, 'hearth_mqtt_connections_refused_total{reason="bad_credentials"}')).toMatch(/ 2$/);
    expect(await metric(t, 'hearth_mqtt_connections_refused_total{reason="anonymous"}')).toMatch(/ 1$/);
  });

  it("lets a device publish its own topics and drops, counts and logs the rest while it stays connected", async () => {
    const owner = await connect("homeowner", "root-pass", "owner");
    const seen: string[] = [];
    owner.on("message", (topic) => seen.push(topic));
    await owner.subscribeAsync("#", { qos: 1 });
    const plug = await connect("tasmota", "plug-pass", "plug1");

    await plug.publishAsync("tele/plug1/SENSOR", readFixture("power/tasmota-sensor-energy.json").trim(), { qos: 1 });
    // Acknowledged as usual (MQTT-3.3.5-2), but not delivered.
    await plug.publishAsync("tele/plug2/SENSOR", '{"ENERGY":{"Power":1}}', { qos: 1 });
    await plug.publishAsync("stat/plug1/POWER", "ON", { qos: 1 });
    await waitFor(() => seen.includes("stat/plug1/POWER"), "the message after the refused one");

    expect(seen).toEqual(["tele/plug1/SENSOR", "stat/plug1/POWER"]);
    expect(plug.connected).toBe(true);
    expect(t.samples.some((s) => s.metric === "power.watts" && s.tags.includes("device:plug1"))).toBe(true);
    expect(t.samples.some((s) => s.tags.includes("device:plug2"))).toBe(false);
    expect(await metric(t, 'hearth_mqtt_publish_denied_total{reason="acl"}')).toMatch(/ 1$/);
    expect(t.logs.find((e) => e.code === "HEARTH_E_MQTT_FORBIDDEN" && e.topic === "tele/plug2/SENSOR")).toMatchObject({
      client: "plug1",
      user: "tasmota",
      msg: 'MQTT publish dropped: the ACL does not let user "tasmota" publish to "tele/plug2/SENSOR"',
    });
  });

  it("keeps $SYS/ and hearth/ for the broker and Hearth, even for a user the ACL lets publish anywhere", async () => {
    const owner = await connect("homeowner", "root-pass", "owner2");
    const seen: string[] = [];
    owner.on("message", (topic) => seen.push(topic));
    await owner.subscribeAsync(["#", "hearth/#"], { qos: 1 });
    await owner.publishAsync("hearth/alerts/stove", "fake", { qos: 1 });
    await owner.publishAsync("$SYS/broker/uptime", "fake", { qos: 1 });
    await owner.publishAsync("house/marker", "1", { qos: 1 });
    await waitFor(() => seen.includes("house/marker"), "the marker");
    expect(seen).toEqual(["house/marker"]);
    expect(await metric(t, 'hearth_mqtt_publish_denied_total{reason="reserved"}')).toMatch(/ 2$/);
  });

  it("refuses a subscription the ACL does not allow in the SUBACK (0x80) and grants the others", async () => {
    const alice = await connect("alice", "alice-pass", "alice-phone");
    const seen: string[] = [];
    alice.on("message", (topic) => seen.push(topic));
    // mqtt.js reports a SUBACK holding a failure code as an error that carries the packet.
    await expect(alice.subscribeAsync(["tele/+/SENSOR", "cmnd/#", "$hearth/dropped"], { qos: 1 })).rejects.toMatchObject({
      packet: { cmd: "suback", granted: [1, 128, 128] },
    });
    const owner = await connect("homeowner", "root-pass", "owner3");
    await owner.publishAsync("cmnd/plug1/POWER", "OFF", { qos: 1 });
    await owner.publishAsync("tele/plug1/SENSOR", "{}", { qos: 1 });
    await waitFor(() => seen.includes("tele/plug1/SENSOR"), "the granted subscription to work");
    expect(seen).toEqual(["tele/plug1/SENSOR"]);
    expect(await metric(t, 'hearth_mqtt_subscribe_denied_total{reason="acl"}')).toMatch(/ 1$/);
    expect(await metric(t, 'hearth_mqtt_subscribe_denied_total{reason="reserved"}')).toMatch(/ 1$/);
  });

  it("refuses a will on a topic the client may not publish to (CONNACK 5)", async () => {
    await expect(
      connectMqtt(t.mqttUrl, {
        username: "tasmota",
        password: "plug-pass",
        clientId: "plug1",
        will: { topic: "tele/plug2/LWT", payload: Buffer.from("Offline"), qos: 1, retain: true },
      }),
    ).rejects.toMatchObject({ code: 5 });
    expect(t.logs.find((e) => e.reason === "will_denied")).toMatchObject({ client: "plug1", returnCode: 5 });
  });

  it("reads the password file and the ACL again on reload: a new user gets in, and a permission taken away stops deliveries at once", async () => {
    const alice = await connect("alice", "alice-pass", "alice-tablet");
    const seen: string[] = [];
    alice.on("message", (topic) => seen.push(topic));
    await alice.subscribeAsync(["tele/+/SENSOR", "tele/+/LWT"], { qos: 1 });

    await writePasswords(passwd, { tasmota: "plug-pass", homeowner: "root-pass", alice: "alice-pass", bob: "bob-pass" });
    const narrowed = acl.map((e) => (e.user === "alice" ? { user: "alice", subscribe: ["tele/+/LWT"] } : e));
    writeTestConfig({ dir: t.dir, config: { mqtt: { allow_anonymous: false, password_file: passwd, acl: narrowed } } });
    await t.hub.reload(loadTestConfig(t.configFile, t.rulesDir));

    const bob = await connect("bob", "bob-pass", "bob-laptop");
    expect(bob.connected).toBe(true);
    const plug = await connect("tasmota", "plug-pass", "plug1");
    await plug.publishAsync("tele/plug1/SENSOR", '{"ENERGY":{"Power":5}}', { qos: 1 });
    await plug.publishAsync("tele/plug1/LWT", "Online", { qos: 1 });
    await waitFor(() => seen.includes("tele/plug1/LWT"), "the LWT alice may still read");
    expect(seen).toEqual(["tele/plug1/LWT"]);
    expect(await metric(t, "hearth_mqtt_deliveries_denied_total")).toMatch(/ [1-9]\d*$/);
  });
});

describe("broker limits", () => {
  let t: TestHub;
  const clients: MqttClient[] = [];
  beforeAll(async () => {
    t = await startTestHub({ config: { mqtt: { max_clients: 2, max_payload_bytes: 1024 } } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await t.stop();
  });

  it("refuses a client beyond max_clients with CONNACK 3 and counts it, but lets a device with a live session reconnect", async () => {
    clients.push(await connectMqtt(t.mqttUrl, { clientId: "one" }), await connectMqtt(t.mqttUrl, { clientId: "two" }));
    await expect(connectMqtt(t.mqttUrl, { clientId: "three" })).rejects.toMatchObject({ code: 3 });
    expect(await metric(t, 'hearth_mqtt_connections_refused_total{reason="max_clients"}')).toMatch(/ 1$/);
    expect(t.logs.find((e) => e.reason === "max_clients")).toMatchObject({ code: "HEARTH_E_MQTT_LIMIT", client: "three", returnCode: 3 });
    // A device whose old connection is still open (a half-open TCP after a Wi-Fi drop) takes it over.
    const again = await connectMqtt(t.mqttUrl, { clientId: "two" });
    clients.push(again);
    expect(again.connected).toBe(true);
  });

  it("drops and counts a payload over max_payload_bytes and passes one under it", async () => {
    const [publisher, , listener] = clients as [MqttClient, MqttClient, MqttClient];
    const seen: number[] = [];
    listener.on("message", (_topic, payload) => seen.push(payload.length));
    await listener.subscribeAsync("big/#", { qos: 1 });
    await publisher.publishAsync("big/a", Buffer.alloc(2000, 65), { qos: 1 });
    await publisher.publishAsync("big/b", Buffer.alloc(1024, 66), { qos: 1 });
    await waitFor(() => seen.length === 1, "the payload under the limit");
    expect(seen).toEqual([1024]);
    expect(await metric(t, 'hearth_mqtt_publish_denied_total{reason="too_large"}')).toMatch(/ 1$/);
  });
});
