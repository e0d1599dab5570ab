import fs from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { Hub } from "../../src/hub.js";
import { LogCapture, loadTestConfig, writeTestConfig } from "../helpers/hub.js";
import { metricValue, scrape } from "../helpers/metrics.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { SmallDisk } from "../helpers/tmpfs.js";

const running: Hub[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const h of running.splice(0)) await h.stop();
  for (const c of cleanups.splice(0)) c();
});

type Healthz = { status: string; components: { broker: { state: string; detail?: string; info: { store: string } } } };

async function start(configFile: string, rulesDir: string) {
  const logs = new LogCapture();
  const hub = await Hub.start({ loaded: loadTestConfig(configFile, rulesDir), log: pino({ level: "debug", base: undefined }, logs) });
  running.push(hub);
  return { hub, logs, httpUrl: `http://127.0.0.1:${hub.http.port}`, mqttUrl: `mqtt://127.0.0.1:${hub.broker.port}` };
}

/** The retained message a fresh subscriber gets on `topic`, or undefined: a probe published after subscribing arrives after any retained message. */
async function retainedOn(mqttUrl: string, topic: string): Promise<string | undefined> {
  const sub = await connectMqtt(mqttUrl);
  try {
    let retained: string | undefined;
    const probed = new Promise<void>((resolve) =>
      sub.on("message", (t, payload) => {
        if (t === topic) retained = payload.toString();
        else resolve();
      }),
    );
    await sub.subscribeAsync([topic, "probe/after"], { qos: 1 });
    await sub.publishAsync("probe/after", "x", { qos: 1 });
    await probed;
    return retained;
  } finally {
    await sub.endAsync();
  }
}

describe("the broker on a disk that is full at start", () => {
  it("starts on memory with /healthz naming the error, carries messages, and opens broker.db at the next start once there is space", async () => {
    const disk = new SmallDisk(1_048_576);
    cleanups.push(() => disk.unmount());
    const brokerFile = path.join(disk.dir, "mqtt", "broker.db");
    // Only the broker's file is on the small disk: the local store's own full-disk start is tested in test/store/store.test.ts.
    const { configFile, rulesDir, dir } = writeTestConfig({ config: { mqtt: { persistence: { type: "sqlite", file: brokerFile } } } });
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    disk.fill();

    const degraded = await start(configFile, rulesDir);
    const res = await fetch(`${degraded.httpUrl}/healthz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Healthz;
    expect(body.status).toBe("degraded");
    expect(body.components.broker).toMatchObject({ state: "degraded", info: { store: "memory (forgotten on restart)" } });
    expect(body.components.broker.detail).toMatch(
      /^HEARTH_E_BROKER_STORE: the broker's store \(sqlite .*broker\.db\) cannot be opened: .*(disk is full|disk I\/O error)/,
    );
    const logged = degraded.logs.entries.filter((e) => e.code === "HEARTH_E_BROKER_STORE");
    expect(logged).toHaveLength(1);
    expect(logged[0]!.msg).toMatch(/the broker starts with retained messages and sessions in memory, lost at the next restart/);
    expect(metricValue(await scrape(degraded.httpUrl), "hearth_mqtt_store_errors_total")).toBe(1);

    // MQTT works: a subscriber gets a message, and a retained one is kept while the hub runs.
    const sub = await connectMqtt(degraded.mqttUrl);
    await sub.subscribeAsync("house/door", { qos: 1 });
    const delivered = new Promise<string>((resolve) => sub.on("message", (_t, payload) => resolve(payload.toString())));
    const pub = await connectMqtt(degraded.mqttUrl);
    await pub.publishAsync("house/door", "open", { qos: 1 });
    expect(await delivered).toBe("open");
    await pub.publishAsync("house/mode", "away", { qos: 1, retain: true });
    await Promise.all([sub.endAsync(), pub.endAsync()]);
    expect(await retainedOn(degraded.mqttUrl, "house/mode")).toBe("away");

    // Space returns; the running broker stays on memory, the next start opens broker.db.
    disk.free();
    await degraded.hub.stop();
    running.splice(0);
    const recovered = await start(configFile, rulesDir);
    const after = (await (await fetch(`${recovered.httpUrl}/healthz`)).json()) as Healthz;
    expect(after.components.broker.state).toBe("ok");
    expect(after.components.broker.info.store).toBe(`sqlite ${brokerFile}`);
    expect(fs.statSync(brokerFile).size).toBeGreaterThan(0);
    // What the broker kept in memory meanwhile is gone, as documented.
    expect(await retainedOn(recovered.mqttUrl, "house/mode")).toBeUndefined();
  });

  it("starts on memory when an existing broker.db cannot be opened on a full disk, and finds what it held at the next start", async () => {
    const disk = new SmallDisk(1_048_576);
    cleanups.push(() => disk.unmount());
    const brokerFile = path.join(disk.dir, "broker.db");
    const { configFile, rulesDir, dir } = writeTestConfig({ config: { mqtt: { persistence: { type: "sqlite", file: brokerFile } } } });
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const first = await start(configFile, rulesDir);
    const pub = await connectMqtt(first.mqttUrl);
    await pub.publishAsync("house/mode", "home", { qos: 1, retain: true });
    await pub.endAsync();
    await first.hub.stop();
    running.splice(0);
    disk.fill();

    const degraded = await start(configFile, rulesDir);
    const body = (await (await fetch(`${degraded.httpUrl}/healthz`)).json()) as Healthz;
    expect(body.components.broker).toMatchObject({ state: "degraded", detail: expect.stringMatching(/^HEARTH_E_BROKER_STORE: /) as unknown });
    const sub = await connectMqtt(degraded.mqttUrl);
    await sub.subscribeAsync("house/door", { qos: 1 });
    await sub.endAsync();

    disk.free();
    await degraded.hub.stop();
    running.splice(0);
    const recovered = await start(configFile, rulesDir);
    expect(((await (await fetch(`${recovered.httpUrl}/healthz`)).json()) as Healthz).components.broker.state).toBe("ok");
    expect(await retainedOn(recovered.mqttUrl, "house/mode")).toBe("home");
  });
});
