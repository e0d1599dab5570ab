import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import mqtt, { type IClientOptions, type IConnackPacket, type MqttClient } from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { waitFor } from "../helpers/wait.js";
import { inbox } from "./v5.js";

/** Connects with the inbox attached before CONNACK, so queued messages sent right after it are seen. */
function resume(url: string, opts: IClientOptions) {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  const got = inbox(client);
  return new Promise<{ client: MqttClient; connack: IConnackPacket; got: typeof got }>((resolve, reject) => {
    client.once("connect", (connack) => resolve({ client, connack, got }));
    client.once("error", reject);
  });
}

/**
 * MQTT 5 sessions across a restart of Hearth, in each store: the remaining Session Expiry
 * Interval is honoured, subscription options come back, and a will still waiting for its delay
 * is published after the delay it has left.
 */
function restartSuite(store: string, config: () => Record<string, unknown>) {
  describe(`MQTT 5 sessions across a restart (${store})`, () => {
    const restart = async (t: TestHub) => {
      await t.hub.stop();
      return startTestHub({ dir: t.dir, config: config() });
    };
    const startIn = () => startTestHub({ dir: fs.mkdtempSync(path.join(os.tmpdir(), "hearth-v5restart-")), config: config() });

    it("[MQTT-3.1.2-23] a session whose expiry interval passed while Hearth was down is gone; one that has time left comes back with its queued message", async () => {
      let t = await startIn();
      try {
        const short = { protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 1 } };
        const long = { protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 300 } };
        for (const [id, opts] of [
          ["phone-short", short],
          ["phone-long", long],
        ] as const) {
          const c = await connectMqtt(t.mqttUrl, { ...opts, clientId: id });
          await c.subscribeAsync("away/#", { qos: 1 });
          await c.endAsync();
        }
        const ended = Date.now();
        const pub = await connectMqtt(t.mqttUrl, { protocolVersion: 5, clientId: "away-pub" });
        await pub.publishAsync("away/door", "opened", { qos: 1 });
        await pub.endAsync();
        await t.hub.stop();
        // The short session's second runs out while Hearth is down.
        await waitFor(() => Date.now() - ended > 1200, "the short session's expiry");
        t = await startTestHub({ dir: t.dir, config: config() });

        const gone = await resume(t.mqttUrl, { ...short, clientId: "phone-short" });
        expect(gone.connack.sessionPresent).toBe(false);
        const back = await resume(t.mqttUrl, { ...long, clientId: "phone-long" });
        expect(back.connack.sessionPresent).toBe(true);
        await waitFor(() => back.got.some((m) => m.text === "opened"), "the message queued before the restart");
        const marker = await connectMqtt(t.mqttUrl, { protocolVersion: 5, clientId: "away-marker" });
        await marker.publishAsync("away/marker", "marker", { qos: 1 });
        await waitFor(() => back.got.some((m) => m.text === "marker"), "the marker");
        expect(gone.got).toEqual([]);
        await Promise.all([gone.client.endAsync(), back.client.endAsync(), marker.endAsync()]);
      } finally {
        await t.stop();
      }
    });

    it("[MQTT-3.1.2-23] a session with time left when Hearth stopped ends after the rest of its expiry interval", async () => {
      let t = await startIn();
      try {
        const opts = { protocolVersion: 5 as const, clientId: "phone-rest", clean: false, properties: { sessionExpiryInterval: 2 } };
        const c = await connectMqtt(t.mqttUrl, opts);
        await c.subscribeAsync("rest/#", { qos: 1 });
        await c.endAsync();
        const ended = Date.now();
        t = await restart(t);
        await waitFor(() => Date.now() - ended > 2500, "the rest of the expiry interval");
        const after = await resume(t.mqttUrl, opts);
        expect(after.connack.sessionPresent).toBe(false);
        await after.client.endAsync();
      } finally {
        await t.stop();
      }
    });

    it("[MQTT-3.8.3-3] [MQTT-3.3.1-12] [MQTT-3.3.4-3] a resumed session keeps its subscription options: no local, retain as published, subscription identifier", async () => {
      let t = await startIn();
      try {
        const opts = { protocolVersion: 5 as const, clientId: "hass-options", clean: false, properties: { sessionExpiryInterval: 300 } };
        const c = await connectMqtt(t.mqttUrl, opts);
        await c.subscribeAsync("opts/#", { qos: 1, nl: true, rap: true, properties: { subscriptionIdentifier: 7 } });
        await c.endAsync();
        t = await restart(t);

        const back = await resume(t.mqttUrl, opts);
        expect(back.connack.sessionPresent).toBe(true);
        await back.client.publishAsync("opts/own", "own", { qos: 1 });
        const other = await connectMqtt(t.mqttUrl, { protocolVersion: 5, clientId: "opts-other" });
        await other.publishAsync("opts/state", "on", { qos: 1, retain: true });
        await waitFor(() => back.got.some((m) => m.text === "on"), "the other client's message");
        expect(back.got).toEqual([
          { topic: "opts/state", text: "on", retain: true, properties: expect.objectContaining({ subscriptionIdentifier: 7 }) as unknown },
        ]);
        await Promise.all([back.client.endAsync(), other.endAsync()]);
      } finally {
        await t.stop();
      }
    });

    it("[MQTT-3.1.2-8] [MQTT-3.1.3-9] a will waiting for its delay when Hearth stops is published after the delay it has left; one whose client comes back is not", async () => {
      let t = await startIn();
      try {
        const will = (id: string) => ({
          protocolVersion: 5 as const,
          clientId: id,
          clean: false,
          properties: { sessionExpiryInterval: 300 },
          will: { topic: `status/${id}`, payload: Buffer.from("offline"), qos: 1 as const, retain: true, properties: { willDelayInterval: 2 } },
        });
        const plug = await connectMqtt(t.mqttUrl, will("plug-restart"));
        const hass = await connectMqtt(t.mqttUrl, will("hass-restart"));
        // Hearth stops with both connected: their connections end now, and their wills wait.
        const stopped = Date.now();
        t = await restart(t);
        await Promise.all([plug.endAsync(true), hass.endAsync(true)]);
        const back = await connectMqtt(t.mqttUrl, will("hass-restart"));

        const watcher = await connectMqtt(t.mqttUrl, { protocolVersion: 5, clientId: "will-watcher" });
        const got = inbox(watcher);
        await watcher.subscribeAsync("status/#", { qos: 1 });
        await waitFor(() => got.some((m) => m.topic === "status/plug-restart"), "the plug's will after its delay");
        expect(Date.now() - stopped).toBeGreaterThanOrEqual(1950);
        await waitFor(() => Date.now() - stopped > 2500, "past the delay of the client that came back");
        await watcher.publishAsync("status/marker", "marker", { qos: 1 });
        await waitFor(() => got.some((m) => m.topic === "status/marker"), "the marker");
        expect(got.map((m) => m.topic)).toEqual(["status/plug-restart", "status/marker"]);
        await Promise.all([back.endAsync(true), watcher.endAsync()]);
      } finally {
        await t.stop();
      }
    });

    it("[MQTT-3.1.2-4] [MQTT-3.1.2-8] a will waiting for its delay when Hearth stops is published at once when its client comes back with Clean Start", async () => {
      let t = await startIn();
      try {
        const shelly = await connectMqtt(t.mqttUrl, {
          protocolVersion: 5,
          clientId: "shelly-restart",
          clean: false,
          properties: { sessionExpiryInterval: 300 },
          will: { topic: "status/shelly-restart", payload: Buffer.from("offline"), qos: 1, retain: false, properties: { willDelayInterval: 120 } },
        });
        t = await restart(t);
        await shelly.endAsync(true);
        const watcher = await connectMqtt(t.mqttUrl, { protocolVersion: 5, clientId: "clean-watcher" });
        const got = inbox(watcher);
        await watcher.subscribeAsync("status/#", { qos: 1 });
        const again = await connectMqtt(t.mqttUrl, { protocolVersion: 5, clientId: "shelly-restart", clean: true });
        await waitFor(() => got.some((m) => m.topic === "status/shelly-restart"), "the will when the session ends, long before its delay");
        // (Other tests' wills may come too: the Redis suites share one key prefix.)
        expect(got.filter((m) => m.topic === "status/shelly-restart").map((m) => m.text)).toEqual(["offline"]);
        await Promise.all([again.endAsync(true), watcher.endAsync()]);
      } finally {
        await t.stop();
      }
    });

    it("[MQTT-3.1.3-10] a will kept over a restart keeps the order of its user properties", async () => {
      let t = await startIn();
      try {
        const userProperties = { zone: "garage", room: "workshop", via: ["wifi", "mesh"], area: "north" };
        const plug = await connectMqtt(t.mqttUrl, {
          protocolVersion: 5,
          clientId: "plug-props-restart",
          clean: false,
          properties: { sessionExpiryInterval: 300 },
          will: {
            topic: "status/plug-props-restart",
            payload: Buffer.from("offline"),
            qos: 1,
            retain: true,
            properties: { willDelayInterval: 1, userProperties },
          },
        });
        t = await restart(t);
        await plug.endAsync(true);
        const watcher = await connectMqtt(t.mqttUrl, { protocolVersion: 5, clientId: "props-watcher" });
        const got = inbox(watcher);
        await watcher.subscribeAsync("status/plug-props-restart", { qos: 1 });
        const will = await waitFor(() => got.find((m) => m.topic === "status/plug-props-restart"), "the will after the restart");
        expect(Object.entries(will.properties?.userProperties as Record<string, unknown>)).toEqual(Object.entries(userProperties));
        await watcher.endAsync();
      } finally {
        await t.stop();
      }
    });
  });
}

restartSuite("SQLite", () => ({}));

const prefix = `hearth-v5restart:${process.pid}:${Date.now()}:`;
restartSuite("Redis", () => ({ mqtt: { persistence: { type: "redis", url: "redis://127.0.0.1:6379/0", key_prefix: prefix } } }));
afterAll(() => {
  const keys = execFileSync("redis-cli", ["--scan", "--pattern", `${prefix}*`])
    .toString()
    .split("\n")
    .filter(Boolean);
  if (keys.length) execFileSync("redis-cli", ["del", ...keys]);
});
