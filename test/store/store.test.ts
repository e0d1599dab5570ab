import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kit/clock.js";
import { isHearthError } from "../../src/kit/errors.js";
import { Health } from "../../src/kit/health.js";
import type { Point } from "../../src/pipeline/aggregate.js";
import type { Db, Migrations } from "../../src/store/database.js";
import type { StorageConfig } from "../../src/store/schema.js";
import { STORE_FILE, Store } from "../../src/store/store.js";
import { MAX_HELD_POINTS } from "../../src/store/writer.js";
import { Telemetry } from "../../src/kit/telemetry.js";
import { Hub } from "../../src/hub.js";
import { LogCapture, loadTestConfig, startTestHub, writeTestConfig, type TestHub } from "../helpers/hub.js";
import { metricValue, scrape } from "../helpers/metrics.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { SmallDisk } from "../helpers/tmpfs.js";
import { waitFor } from "../helpers/wait.js";

const START = Date.UTC(2026, 0, 15, 11, 0, 0);
const dirs: string[] = [];
const stores: Store[] = [];
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const s of stores.splice(0)) if (s.db.open) await s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-store-"));
  dirs.push(dir);
  return dir;
}

function openStore(config: Partial<StorageConfig> & { dir: string }, clock = new ManualClock(START)) {
  const telemetry = new Telemetry();
  const health = new Health(() => clock.now());
  const logs = new LogCapture();
  const store = Store.open(
    { max_bytes: 1_000_000_000, retention: 7 * 86_400_000, ...config },
    clock,
    telemetry,
    health,
    pino({ level: "debug", base: undefined }, logs),
  );
  stores.push(store);
  return { store, telemetry, health, logs, clock };
}

/** One flush's worth of points: `n` series of a power meter at `time`. */
function flush(n: number, time: number, value = 1): Point[] {
  return Array.from({ length: n }, (_, i) => {
    const tags = [`device:plug-${i}`, "env:home", "room:somewhere-in-the-house"];
    return { key: `power.watts|${tags.join(",")}`, metric: "power.watts", tags, type: "gauge" as const, unit: "W", time, value: value + i, interval: 10_000 };
  });
}

const counter = async (telemetry: Telemetry, name: string, labels: Record<string, string>) => metricValue(await telemetry.registry.metrics(), name, labels);

describe("the local store", () => {
  it("keeps each flush's points in write order, with their series, type and interval", async () => {
    const { store } = openStore({ dir: tempDir() });
    await store.append(flush(3, START), START + 10_000);
    await store.append(
      [{ key: "meter.pulses", metric: "meter.pulses", tags: [], type: "count", unit: undefined, time: START + 20_000, value: 7, interval: 10_000 }],
      START + 20_000,
    );
    const read = store.points.readAfter(0, 100);
    expect(read.map((p) => [p.id, p.series.metric, p.series.tags[0] ?? null, p.type, p.time, p.value, p.interval])).toEqual([
      [1, "power.watts", "device:plug-0", "gauge", START, 1, 10_000],
      [2, "power.watts", "device:plug-1", "gauge", START, 2, 10_000],
      [3, "power.watts", "device:plug-2", "gauge", START, 3, 10_000],
      [4, "meter.pulses", null, "count", START + 20_000, 7, 10_000],
    ]);
    expect(store.points.readAfter(3, 100).map((p) => p.id)).toEqual([4]);
    expect(fs.existsSync(path.join(path.dirname(store.file), STORE_FILE))).toBe(true);
    expect(store.db.pragma("journal_mode", { simple: true })).toBe("wal");
  });

  it("migrates each component's tables forward, once, and refuses a store written by a newer Hearth", async () => {
    const dir = tempDir();
    const ran: string[] = [];
    const monitors = (steps: number): Migrations => ({
      component: "monitors",
      steps: [
        (db: Db) => {
          ran.push("create");
          db.exec("CREATE TABLE monitor_state (monitor TEXT PRIMARY KEY, state TEXT NOT NULL)");
        },
        (db: Db) => {
          ran.push("add column");
          db.exec("ALTER TABLE monitor_state ADD COLUMN since INTEGER");
        },
      ].slice(0, steps),
    });
    const first = openStore({ dir }).store;
    expect(first.migrate(monitors(1))).toBe(1);
    first.db.prepare("INSERT INTO monitor_state (monitor, state) VALUES ('stove', 'OK')").run();
    await first.close();

    const second = openStore({ dir }).store;
    expect(second.migrate(monitors(2))).toBe(2);
    expect(second.db.prepare("SELECT monitor, state, since FROM monitor_state").all()).toEqual([{ monitor: "stove", state: "OK", since: null }]);
    expect(second.db.prepare("SELECT component, version FROM schema_versions ORDER BY component").all()).toEqual([
      { component: "monitors", version: 2 },
      { component: "outbox", version: 1 },
      { component: "points", version: 1 },
    ]);
    second.migrate(monitors(2));
    expect(ran).toEqual(["create", "add column"]);

    let refused: unknown;
    try {
      second.migrate(monitors(1));
    } catch (err) {
      refused = err;
    }
    expect(isHearthError(refused) && refused.code).toBe("HEARTH_E_STORE_NEWER");
    expect((refused as Error).message).toMatch(
      /was written by a newer Hearth \(monitors version 2, this Hearth knows 1\); upgrade Hearth, or point storage\.dir at another directory$/,
    );
  });

  it("refuses to start on a file that is not a store, saying which file", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, STORE_FILE), "these are not the pages you are looking for".repeat(100));
    let error: unknown;
    try {
      openStore({ dir });
    } catch (err) {
      error = err;
    }
    expect(isHearthError(error) && error.code).toBe("HEARTH_E_STORE_OPEN_FAILED");
    expect((error as Error).message).toBe(`The local store ${path.join(dir, STORE_FILE)} cannot be opened: file is not a database`);
  });

  it("stays within storage.max_bytes by dropping history that every sink has delivered first, then the oldest undelivered points, counted", async () => {
    const { store, telemetry, logs } = openStore({ dir: tempDir(), max_bytes: 1_048_576 });
    store.setActiveSinks(["datadog"]);
    let t = START;
    for (let i = 0; i < 10; i++) await store.append(flush(1000, (t += 10_000)), t);
    const delivered = store.points.readAfter(0, 100_000)[3999]!.id;
    store.outbox.advance("datadog", delivered, t); // the first 4000 points went out
    expect(store.usedBytes()).toBeLessThan(1_048_576);

    for (let i = 0; i < 30; i++) {
      await store.append(flush(1000, (t += 10_000)), t);
      expect(store.usedBytes()).toBeLessThanOrEqual(1_048_576);
    }
    const expired = await counter(telemetry, "hearth_store_points_expired_total", { reason: "space" });
    const dropped = await counter(telemetry, "hearth_store_points_dropped_total", { reason: "space" });
    const { first, last } = store.points.bounds();
    expect(last).toBe(40_000);
    expect(expired).toBe(4000); // all delivered history went first…
    expect(dropped).toBe(first - 1 - 4000); // …then the oldest undelivered, every one counted
    expect(dropped).toBeGreaterThan(0);
    expect(store.points.readAfter(last - 1000, 1000).map((p) => p.value)).toEqual(flush(1000, t).map((p) => p.value)); // the newest flush is whole
    const warning = logs.find((e) => e.code === "HEARTH_E_STORE_FULL");
    expect(warning?.msg).toMatch(/^The local store reached storage\.max_bytes: dropped the \d+ oldest undelivered points$/);
  });

  it("removes points older than storage.retention and forgets series that have no point left", async () => {
    const clock = new ManualClock(START);
    const { store, telemetry } = openStore({ dir: tempDir(), retention: 3_600_000 }, clock);
    store.start();
    await store.append(
      [{ key: "hydro.ph|tank:old", metric: "hydro.ph", tags: ["tank:old"], type: "gauge", unit: "pH", time: START, value: 6.1, interval: 10_000 }],
      START,
    );
    clock.advance(30 * 60_000);
    await store.append(flush(2, clock.now()), clock.now());
    clock.advance(45 * 60_000); // the first flush is now 75 minutes old, the second 45
    expect(store.points.readAfter(0, 10).map((p) => p.series.metric)).toEqual(["power.watts", "power.watts"]);
    expect(store.points.history({ metric: "hydro.ph", tags: [], from: 0, until: clock.now(), limit: 10 }).series).toEqual([]);
    expect(store.db.prepare("SELECT count(*) AS n FROM series WHERE metric = 'hydro.ph'").get()).toEqual({ n: 0 });
    expect(await counter(telemetry, "hearth_store_points_expired_total", { reason: "retention" })).toBe(1);
  });
});

describe("the store as a critical part of the hub", () => {
  let t: TestHub | undefined;
  const running: Hub[] = [];
  afterEach(async () => {
    await t?.stop();
    t = undefined;
    for (const h of running.splice(0)) await h.stop();
    for (const c of cleanups.splice(0)) c();
  });

  it("answers 503 while the store cannot be written, holds the points, and writes them once it can", async () => {
    const disk = new SmallDisk(4 * 1_048_576);
    cleanups.push(() => disk.unmount());
    const clock = new ManualClock(START);
    fs.mkdirSync(path.join(disk.dir, "hub"));
    t = await startTestHub({
      clock,
      dir: path.join(disk.dir, "hub"),
      rules: { "m.yaml": { version: 1, mappings: [{ topic: "meter/+device/power", metric: "power.watts", tags: ["device:{device}"] }] } },
    });
    const mqtt = await connectMqtt(t.mqttUrl);
    disk.fill();
    await mqtt.publishAsync("meter/a/power", "5", { qos: 1 });
    for (let i = 0; i < 300; i++) await mqtt.publishAsync(`meter/plug${i}/power`, String(i), { qos: 1 }); // a flush that needs new pages
    await waitFor(() => t!.samples.length >= 301, "the samples");
    clock.advance(10_000);
    const down = await waitFor(async () => {
      const res = await fetch(`${t!.httpUrl}/healthz`);
      return res.status === 503 ? res : undefined;
    }, "/healthz to answer 503");
    const body = (await down.json()) as { components: { store: { state: string; detail: string } } };
    expect(body.components.store.state).toBe("down");
    expect(body.components.store.detail).toMatch(/^HEARTH_E_STORE_WRITE_FAILED: cannot write .*hearth\.db: database or disk is full$/);
    expect(t.logs.find((e) => e.code === "HEARTH_E_STORE_WRITE_FAILED")?.msg).toBe(
      "The local store cannot be written; points are held in memory and written at the next flush",
    );

    disk.free();
    await mqtt.publishAsync("meter/a/power", "6", { qos: 1 });
    await waitFor(() => t!.samples.length >= 302, "the next sample");
    clock.advance(10_000);
    await waitFor(async () => (await fetch(`${t!.httpUrl}/healthz`)).status === 200, "/healthz to answer 200 again");
    const history = (await (await fetch(`${t.httpUrl}/api/series?metric=power.watts&from=1h`)).json()) as {
      series: { tags: string[]; points: [number, number][] }[];
    };
    expect(history.series.find((s) => s.tags[0] === "device:a")!.points.map((p) => p[1])).toEqual([5, 6]);
    expect(history.series).toHaveLength(301);
    await mqtt.endAsync();
  });

  it("starts on a disk that is full at start: HTTP up, /healthz names the store's error, points held and written once there is space", async () => {
    const disk = new SmallDisk(4 * 1_048_576);
    cleanups.push(() => disk.unmount());
    const dir = path.join(disk.dir, "hub");
    fs.mkdirSync(dir);
    const clock = new ManualClock(START);
    const rules = { "m.yaml": { version: 1, mappings: [{ topic: "meter/+device/power", metric: "power.watts", tags: ["device:{device}"] }] } };
    // The broker's own SQLite file lives off the small disk: this test is about the local store.
    const brokerDir = tempDir();
    const first = await startTestHub({ clock, dir, rules, config: { mqtt: { persistence: { type: "sqlite", file: path.join(brokerDir, "broker.db") } } } });
    await first.hub.stop(); // the store exists; then the disk fills up and the hub starts again
    disk.fill();
    const logs = new LogCapture();
    const hub = await Hub.start({ loaded: loadTestConfig(first.configFile, first.rulesDir), log: pino({ level: "debug", base: undefined }, logs), clock });
    running.push(hub);
    const httpUrl = `http://127.0.0.1:${hub.http.port}`;
    const down = await fetch(`${httpUrl}/healthz`);
    expect(down.status).toBe(503);
    const body = (await down.json()) as { components: { store: { state: string; detail: string }; broker: { state: string } } };
    expect(body.components.store).toMatchObject({
      state: "down",
      detail: expect.stringMatching(/^HEARTH_E_STORE_WRITE_FAILED: cannot write .*hearth\.db: disk I\/O error$/) as unknown,
    });
    expect(body.components.broker.state).toBe("ok");

    const mqtt = await connectMqtt(`mqtt://127.0.0.1:${hub.broker.port}`);
    await mqtt.publishAsync("meter/a/power", "5", { qos: 1 });
    await waitFor(() => hub.pipeline.aggregator.size >= 1, "the sample");
    clock.advance(10_000);
    await waitFor(async () => metricValue(await scrape(httpUrl), "hearth_store_points_held") === 1, "the point held in memory");
    expect((await fetch(`${httpUrl}/healthz`)).status).toBe(503);

    disk.free();
    await mqtt.publishAsync("meter/a/power", "6", { qos: 1 });
    await waitFor(() => hub.pipeline.aggregator.view().some((s) => s.last.value === 6), "the next sample");
    clock.advance(10_000);
    await waitFor(async () => (await fetch(`${httpUrl}/healthz`)).status === 200, "/healthz to answer 200 once there is space");
    const history = (await (await fetch(`${httpUrl}/api/series?metric=power.watts&from=1h`)).json()) as {
      series: { tags: string[]; points: [number, number][] }[];
    };
    expect(history.series.map((s) => [s.tags[0], s.points.map((p) => p[1])])).toEqual([["device:a", [5, 6]]]);
    expect(metricValue(await scrape(httpUrl), "hearth_store_points_held")).toBe(0);
    await mqtt.endAsync();
  });

  it("starts on a disk already full before its store was ever created: the store in memory, /healthz naming the error, the file created at the next start", async () => {
    const disk = new SmallDisk(1_048_576);
    cleanups.push(() => disk.unmount());
    const dir = path.join(disk.dir, "hub");
    fs.mkdirSync(dir);
    const clock = new ManualClock(START);
    const rules = { "m.yaml": { version: 1, mappings: [{ topic: "meter/+device/power", metric: "power.watts", tags: ["device:{device}"] }] } };
    const { configFile, rulesDir } = writeTestConfig({ dir, rules });
    disk.fill();
    const file = path.join(dir, "data", STORE_FILE);
    expect(fs.existsSync(file)).toBe(false);

    const logs = new LogCapture();
    const hub = await Hub.start({ loaded: loadTestConfig(configFile, rulesDir), log: pino({ level: "debug", base: undefined }, logs), clock });
    running.push(hub);
    const httpUrl = `http://127.0.0.1:${hub.http.port}`;
    const down = await fetch(`${httpUrl}/healthz`);
    expect(down.status).toBe(503);
    const body = (await down.json()) as { components: { store: { state: string; detail: string }; broker: { state: string } } };
    expect(body.components.store.state).toBe("down");
    expect(body.components.store.detail).toMatch(/^HEARTH_E_STORE_OPEN_FAILED: cannot create .*hearth\.db: .*; the store is in memory until the next start$/);
    // The broker's own file is on the same full disk: it runs on memory too (test/mqtt/broker-full-disk.test.ts).
    expect(body.components.broker.state).toBe("degraded");
    expect(logs.entries.filter((e) => e.code === "HEARTH_E_STORE_OPEN_FAILED")).toHaveLength(1);

    const mqtt = await connectMqtt(`mqtt://127.0.0.1:${hub.broker.port}`);
    await mqtt.publishAsync("meter/a/power", "5", { qos: 1 });
    await waitFor(() => hub.pipeline.aggregator.size >= 1, "the sample");
    clock.advance(10_000);
    await waitFor(async () => metricValue(await scrape(httpUrl), "hearth_store_points_written_total") === 1, "the point kept in memory");
    const history = (await (await fetch(`${httpUrl}/api/series?metric=power.watts&from=1h`)).json()) as {
      series: { tags: string[]; points: [number, number][] }[];
    };
    expect(history.series.map((s) => [s.tags[0], s.points.map((p) => p[1])])).toEqual([["device:a", [5]]]);
    expect((await fetch(`${httpUrl}/healthz`)).status).toBe(503);
    await mqtt.endAsync();

    // Space returns: the next start creates the store on disk.
    disk.free();
    await hub.stop();
    running.splice(0);
    const again = await Hub.start({ loaded: loadTestConfig(configFile, rulesDir), log: pino({ level: "debug", base: undefined }, new LogCapture()), clock });
    running.push(again);
    const up = await fetch(`http://127.0.0.1:${again.http.port}/healthz`);
    expect(up.status).toBe(200);
    expect(((await up.json()) as { components: { store: { state: string } } }).components.store.state).toBe("ok");
    expect(fs.statSync(file).size).toBeGreaterThan(0);
  });

  it("holds at most 250,000 points while the disk is full, counts those it drops, and writes the rest once there is space", async () => {
    const disk = new SmallDisk(128 * 1_048_576);
    cleanups.push(() => disk.unmount());
    const { store, telemetry, health } = openStore({ dir: disk.dir });
    await store.append(flush(1, START), START);
    disk.fill();
    // Two flushes of 150,000 points each: 50,000 more than the memory bound, the oldest of them dropped.
    await store.append(flush(150_000, START + 10_000), START + 10_000);
    await store.append(flush(150_000, START + 20_000, 1_000_000), START + 20_000);
    expect(await counter(telemetry, "hearth_store_points_held", {})).toBe(MAX_HELD_POINTS);
    expect(await counter(telemetry, "hearth_store_points_dropped_total", { reason: "write_failed" })).toBe(300_000 - MAX_HELD_POINTS);
    expect(health.snapshot().store?.state).toBe("down");

    disk.free();
    await store.append([], START + 30_000);
    expect(await counter(telemetry, "hearth_store_points_held", {})).toBe(0);
    expect(health.snapshot().store?.state).toBe("ok");
    const written = store.points.readAfter(0, 300_000);
    expect(written).toHaveLength(1 + MAX_HELD_POINTS);
    // The newest points are the ones kept: the held points start 50,000 into the first full flush.
    expect(written[1]!.value).toBe(1 + 50_000);
    expect(written.at(-1)!.value).toBe(1_000_000 + 149_999);
  }, 180_000);

  it("sets aside a point it cannot write, writes the rest of its flush, and every flush after it", async () => {
    const clock = new ManualClock(START);
    t = await startTestHub({
      clock,
      rules: { "m.yaml": { version: 1, mappings: [{ topic: "meter/+device/power", metric: "power.watts", tags: ["device:{device}"] }] } },
    });
    const point = (device: string, value: number): Point => ({
      key: `power.watts|device:${device}`,
      metric: "power.watts",
      tags: [`device:${device}`],
      type: "gauge",
      unit: undefined,
      time: clock.now(),
      value,
      interval: 10_000,
    });
    // As if a non-finite value had got past the edge: straight into the store, between good points.
    await t.hub.store.append([point("a", 1), point("bad", Number.NaN), point("worse", Number.POSITIVE_INFINITY), point("b", 2)], clock.now());
    const mqtt = await connectMqtt(t.mqttUrl);
    await mqtt.publishAsync("meter/a/power", "3", { qos: 1 });
    await waitFor(() => t!.samples.length >= 1, "the sample");
    clock.advance(10_000);
    await waitFor(async () => {
      const h = (await (await fetch(`${t!.httpUrl}/api/series?metric=power.watts&from=1h`)).json()) as {
        series: { tags: string[]; points: [number, number][] }[];
      };
      return h.series.find((s) => s.tags[0] === "device:a")?.points.length === 2;
    }, "the next flush in the store");
    expect((await fetch(`${t.httpUrl}/healthz`)).status).toBe(200);
    const history = (await (await fetch(`${t.httpUrl}/api/series?metric=power.watts&from=1h`)).json()) as {
      series: { tags: string[]; points: [number, number][] }[];
    };
    expect(history.series.map((s) => [s.tags[0], s.points.map((p) => p[1])])).toEqual([
      ["device:a", [1, 3]],
      ["device:b", [2]],
    ]);
    const dead = t.hub.store.db.prepare("SELECT sink, status, count, errors, points FROM dead_letters").all() as {
      sink: string;
      count: number;
      errors: string;
      points: string;
    }[];
    expect(dead).toHaveLength(1);
    expect(dead[0]!.sink).toBe("store");
    expect(dead[0]!.count).toBe(2);
    expect(JSON.parse(dead[0]!.errors)).toEqual(["not_finite: value NaN, time " + START + ", interval 10000"]);
    expect((JSON.parse(dead[0]!.points) as { tags: string[]; value: string }[]).map((p) => [p.tags[0], p.value])).toEqual([
      ["device:bad", "NaN"],
      ["device:worse", "Infinity"],
    ]);
    const metrics = await scrape(t.httpUrl);
    expect(metricValue(metrics, "hearth_store_points_dead_lettered_total", { reason: "not_finite" })).toBe(2);
    expect(t.logs.find((e) => e.code === "HEARTH_E_STORE_POINT_SET_ASIDE")?.msg).toMatch(
      /^The local store could not write 2 points \(not_finite: value NaN.*\); set aside as dead letter \d+, the rest of the flush was written$/,
    );
    await mqtt.endAsync();
  });
});

describe("the store's writer thread", () => {
  it("writes each flush on its own connection, in order, and closes after the last", async () => {
    const clock = new ManualClock(START);
    const dir = tempDir();
    const store = Store.open(
      { dir, max_bytes: 1_000_000_000, retention: 7 * 86_400_000 },
      clock,
      new Telemetry(),
      new Health(() => clock.now()),
      pino({ level: "silent" }),
      { thread: true },
    );
    const writes = [store.append(flush(3, START), START + 10_000), store.append(flush(2, START + 10_000, 10), START + 20_000)];
    expect(store.points.countAfter(0)).toBe(0); // not yet: the thread writes while this one goes on
    await Promise.all(writes);
    expect(store.points.readAfter(0, 100).map((p) => [p.id, p.series.tags[0], p.value])).toEqual([
      [1, "device:plug-0", 1],
      [2, "device:plug-1", 2],
      [3, "device:plug-2", 3],
      [4, "device:plug-0", 10],
      [5, "device:plug-1", 11],
    ]);
    void store.append(flush(1, START + 20_000, 99), START + 30_000);
    await store.close();
    const again = openStore({ dir }).store;
    expect(again.points.readAfter(5, 10).map((p) => p.value)).toEqual([99]);
  });
});
