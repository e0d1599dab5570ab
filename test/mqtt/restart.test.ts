import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { readMessages } from "../helpers/fixtures.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { freePort } from "../helpers/ports.js";
import { slowProxy } from "../helpers/slow-proxy.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { waitFor } from "../helpers/wait.js";

interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/** Connects with the message handler attached first, so messages the broker sends right after CONNACK are not missed. */
function connectListening(url: string, opts: IClientOptions, into: Received[]): Promise<{ client: MqttClient; sessionPresent: boolean }> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  client.on("message", (topic, payload, packet) => into.push({ topic, payload: payload.toString(), retain: packet.retain }));
  return new Promise((resolve, reject) => {
    client.once("connect", (connack) => resolve({ client, sessionPresent: connack.sessionPresent }));
    client.once("error", reject);
  });
}

const lwt = readMessages("power/tasmota-boot-lwt-power-state.jsonl")[0]!; // tele/demo-sensor/LWT Online, retained
const location = readMessages("presence/owntracks-location.jsonl")[0]!; // owntracks/jane/nokia

/**
 * The house's state must outlive a restart of Hearth: a Tasmota's retained LWT, a presence
 * state, and the QoS 1 messages waiting for a phone that keeps a persistent session.
 */
async function provesStateSurvivesRestart(config: Record<string, unknown>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-restart-"));
  let t: TestHub | undefined = await startTestHub({ dir, config });
  try {
    const phoneOptions = { clientId: "jane-nokia", clean: false };
    const first: Received[] = [];
    const phone = await connectListening(t.mqttUrl, phoneOptions, first);
    expect(phone.sessionPresent).toBe(false);
    await phone.client.subscribeAsync("owntracks/jane/#", { qos: 1 });
    await phone.client.endAsync();

    const plug = await connectMqtt(t.mqttUrl, { clientId: "demo-sensor" });
    await plug.publishAsync(lwt.topic, lwt.payload, { qos: 1, retain: true });
    await plug.publishAsync("presence/jane", "home", { qos: 1, retain: true });
    await plug.publishAsync(location.topic, location.payload, { qos: 1 });
    await plug.endAsync();

    await t.hub.stop();
    t = await startTestHub({ dir, config });

    // Published after the restart: the phone's subscription must have come back from the store for this to be queued.
    const after = await connectMqtt(t.mqttUrl, { clientId: "tracker" });
    await after.publishAsync("owntracks/jane/nokia/event", '{"_type":"transition","event":"enter","desc":"Home"}', { qos: 1 });
    await after.endAsync();

    const retained: Received[] = [];
    const watcher = await connectListening(t.mqttUrl, { clientId: "dashboard" }, retained);
    await watcher.client.subscribeAsync(["tele/+/LWT", "presence/#"], { qos: 1 });
    await waitFor(() => retained.length === 2, "two retained messages");
    expect(retained.sort((a, b) => a.topic.localeCompare(b.topic))).toEqual([
      { topic: "presence/jane", payload: "home", retain: true },
      { topic: "tele/demo-sensor/LWT", payload: "Online", retain: true },
    ]);
    await watcher.client.endAsync();

    const queued: Received[] = [];
    const back = await connectListening(t.mqttUrl, phoneOptions, queued);
    expect(back.sessionPresent).toBe(true);
    await waitFor(() => queued.length === 2, "the two queued messages");
    expect(queued.map((m) => m.topic)).toEqual(["owntracks/jane/nokia", "owntracks/jane/nokia/event"]);
    expect(queued[0]!.payload).toBe(location.payload);
    await back.client.endAsync();
  } finally {
    await t?.stop();
  }
}

describe("retained messages and persistent sessions across a restart", () => {
  it("come back from the SQLite store (the default)", async () => {
    await provesStateSurvivesRestart({});
  });

  describe("with Redis", () => {
    const prefix = `hearth-test:${process.pid}:${Date.now()}:`;
    afterAll(() => {
      // Leave the machine's Redis as we found it: remove every key this test wrote.
      const keys = execFileSync("redis-cli", ["--scan", "--pattern", `${prefix}*`])
        .toString()
        .split("\n")
        .filter(Boolean);
      if (keys.length) execFileSync("redis-cli", ["del", ...keys]);
    });

    it("stop the start with a clear error when Redis does not answer, instead of running without them", async () => {
      const port = await freePort();
      await expect(startTestHub({ config: { mqtt: { persistence: { type: "redis", url: `redis://127.0.0.1:${port}/0` } } } })).rejects.toMatchObject({
        code: "HEARTH_E_BROKER_STORE",
        message: expect.stringContaining(`the broker's store (redis redis://127.0.0.1:${port}/0 (keys hearth:broker:*)) cannot be opened`) as unknown,
      });
    });

    it("come back from Redis under their own key prefix", async () => {
      await provesStateSurvivesRestart({ mqtt: { persistence: { type: "redis", url: "redis://127.0.0.1:6379/0", key_prefix: prefix } } });
      const keys = execFileSync("redis-cli", ["--scan", "--pattern", `${prefix}*`])
        .toString()
        .split("\n")
        .filter(Boolean);
      expect(keys.length).toBeGreaterThan(0);
    });

    // aedes acknowledges a QoS 1 publish before it stores it (aedes lib/handlers/publish.js writes
    // the PUBACK, then publishes), so a stop right after the last PUBACK finds writes to Redis
    // still under way. A Redis one slow round trip away makes that window wide every time.
    it("come back from a slow Redis too: a stop waits for the writes still under way", async () => {
      const proxy = await slowProxy(6379, 40);
      try {
        await provesStateSurvivesRestart({ mqtt: { persistence: { type: "redis", url: `redis://127.0.0.1:${proxy.port}/0`, key_prefix: `${prefix}slow:` } } });
      } finally {
        await proxy.close();
      }
    });
  });
});
