import fs from "node:fs";
import type { MqttClient } from "mqtt";
import { client, v2 } from "@datadog/datadog-api-client";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kit/clock.js";
import type { Point } from "../../src/pipeline/aggregate.js";
import { startIntake, type DatadogIntake, type IntakePoint } from "../helpers/datadog-intake.js";
import { loadTestConfig, startTestHub, type TestHub } from "../helpers/hub.js";
import { metricValue, scrape } from "../helpers/metrics.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { waitFor } from "../helpers/wait.js";

const RULES = {
  "meters.yaml": {
    version: 1,
    mappings: [
      { topic: "meter/+device/power", metric: "power.watts", unit: "W", tags: ["device:{device}"] },
      { topic: "meter/+device/pulses", metric: "meter.pulses", kind: "count", tags: ["device:{device}"] },
      { topic: "meter/+device/total", metric: "meter.energy_total", kind: "monotonic", unit: "kWh", tags: ["device:{device}"] },
      { topic: "meter/+device/uptime", metric: "device.uptime", unit: "s", tags: ["device:{device}"] },
      // Tasmota's Time has no offset: the rule names the zone it is in.
      {
        topic: "tele/+device/SENSOR",
        time: { path: "Time", zone: "Europe/Berlin" },
        metric: "sensor.temperature",
        path: "DS18B20.Temperature",
        tags: ["device:{device}"],
      },
    ],
  },
};

/** 2026-01-15 11:00:00 UTC, 12:00 in Berlin. */
const START = Date.UTC(2026, 0, 15, 11, 0, 0);

let intake: DatadogIntake | undefined;
let hub: TestHub | undefined;
let mqtt: MqttClient | undefined;

afterEach(async () => {
  await mqtt?.endAsync();
  await hub?.stop();
  await intake?.stop();
  mqtt = hub = intake = undefined;
});

async function setup(opts: { clock?: ManualClock; config?: Record<string, unknown>; intake?: Parameters<typeof startIntake>[0]; apiKey?: string } = {}) {
  const clock = opts.clock;
  intake = await startIntake({ ...(clock ? { now: () => clock.now() } : {}), ...opts.intake });
  hub = await startTestHub({
    ...(clock ? { clock } : {}),
    rules: RULES,
    config: { tags: ["env:test"], datadog: { api_key: opts.apiKey ?? "test-api-key", url: intake.url }, ...opts.config },
  });
  mqtt = await connectMqtt(hub.mqttUrl);
  return { intake, hub, mqtt };
}

/** Publishes and waits until the pipeline has turned every message into a sample. */
async function publish(t: TestHub, client: MqttClient, messages: [topic: string, payload: string][]): Promise<void> {
  const before = t.samples.length;
  for (const [topic, payload] of messages) await client.publishAsync(topic, payload, { qos: 1 });
  await waitFor(() => t.samples.length >= before + messages.length, `${messages.length} samples`);
}

const find = (points: IntakePoint[], metric: string, tag: string) => points.filter((p) => p.metric === metric && p.tags.includes(tag));

/** The store's dead_letters table, as `sqlite3 data/hearth.db` would show it. */
const deadLetters = (t: TestHub) =>
  t.hub.store.db
    .prepare<[], { sink: string; status: number; errors: string; points: string }>("SELECT sink, status, errors, points FROM dead_letters ORDER BY id")
    .all()
    .map((r) => ({ ...r, errors: JSON.parse(r.errors) as string[], points: JSON.parse(r.points) as { value: number }[] }));

const healthOf = async (t: TestHub, name: string) =>
  (
    (await (await fetch(`${t.httpUrl}/healthz`)).json()) as {
      status: string;
      components: Record<string, { state: string; detail?: string; info?: Record<string, unknown> }>;
    }
  ).components[name]!;

describe("forwarding to Datadog's intake", () => {
  it("sends every series with its Datadog type, interval, normalised tags, global tags, host and timestamp", async () => {
    const clock = new ManualClock(START);
    const { intake, hub, mqtt } = await setup({ clock });
    await publish(hub, mqtt, [
      ["meter/Plug1/power", "100"],
      ["meter/plug1/power", "120"], // the same series: tags are normalised before keying
      ["meter/plug1/pulses", "3"],
      ["meter/plug1/pulses", "4"],
      ["meter/plug1/total", "1000"],
      ["tele/kitchen/SENSOR", '{"Time":"2026-01-15T11:59:30","DS18B20":{"Temperature":21.5}}'],
    ]);
    clock.advance(5_000);
    await publish(hub, mqtt, [["meter/plug1/total", "1010"]]);
    clock.advance(5_000);
    await waitFor(() => intake.points.length >= 4, "four points at the intake");

    const watts = find(intake.points, "power.watts", "device:plug1");
    expect(watts).toEqual([
      { metric: "power.watts", type: 3, interval: undefined, tags: ["device:plug1", "env:test"], host: "test-host", timestamp: START / 1000, value: 120 },
    ]);
    expect(find(intake.points, "meter.pulses", "device:plug1")).toEqual([
      { metric: "meter.pulses", type: 1, interval: 10, tags: ["device:plug1", "env:test"], host: "test-host", timestamp: START / 1000 + 10, value: 7 },
    ]);
    // 10 kWh more over the 10 s interval: a rate of 1 per second.
    expect(find(intake.points, "meter.energy_total", "device:plug1")).toEqual([
      { metric: "meter.energy_total", type: 2, interval: 10, tags: ["device:plug1", "env:test"], host: "test-host", timestamp: START / 1000 + 10, value: 1 },
    ]);
    // The payload's own time, read in Berlin time: 11:59:30 CET is 10:59:30 UTC.
    expect(find(intake.points, "sensor.temperature", "device:kitchen")[0]).toMatchObject({ timestamp: Date.UTC(2026, 0, 15, 10, 59, 30) / 1000, value: 21.5 });
    expect(intake.requests.every((r) => r.encoding === "gzip" && r.status === 202)).toBe(true);

    // A counter that resets (a device reboot) starts a new baseline, never a negative rate.
    await publish(hub, mqtt, [["meter/plug1/total", "5"]]);
    clock.advance(10_000);
    await publish(hub, mqtt, [["meter/plug1/total", "25"]]);
    clock.advance(10_000);
    await waitFor(() => find(intake.points, "meter.energy_total", "device:plug1").length >= 2, "the rate after the reset");
    expect(find(intake.points, "meter.energy_total", "device:plug1").map((p) => p.value)).toEqual([1, 2]);
  });

  it("keeps every point through a 60-second intake outage and delivers all of them when it returns", async () => {
    const clock = new ManualClock(START);
    const { intake, hub, mqtt } = await setup({ clock });
    await intake.stop();
    for (let i = 0; i < 6; i++) {
      await publish(hub, mqtt, [
        ["meter/a/power", String(100 + i)],
        ["meter/b/power", String(200 + i)],
        ["meter/c/pulses", "1"],
      ]);
      clock.advance(10_000);
      await waitFor(() => hub.hub.store.points.countAfter(0) === 3 * (i + 1), "the flush in the store"); // stored with the intake down: no network call needed
    }
    await waitFor(async () => (await healthOf(hub, "datadog")).state === "degraded", "the sink degraded");
    const down = await healthOf(hub, "datadog");
    expect(down.detail).toMatch(/^HEARTH_E_DATADOG_UNREACHABLE: cannot reach Datadog: connect ECONNREFUSED/);
    expect(hub.logs.find((e) => e.code === "HEARTH_E_DATADOG_UNREACHABLE")?.msg).toMatch(/points wait in the store, next try in \d+s$/);
    const waiting = await scrape(hub.httpUrl);
    expect(metricValue(waiting, "hearth_sink_outbox_points", { sink: "datadog" })).toBe(18);
    expect(metricValue(waiting, "hearth_sink_oldest_pending_age_seconds", { sink: "datadog" })).toBe(60);
    expect(metricValue(waiting, "hearth_sink_retries_total", { sink: "datadog", reason: "network" })).toBeGreaterThanOrEqual(1);

    const stored = hub.hub.store.points.readAfter(0, 1000);
    expect(stored).toHaveLength(18);
    await intake.start();
    clock.advance(60_000); // the longest backoff: the next retry falls due
    await waitFor(() => intake.points.length >= 18, "every stored point at the intake");
    const key = (metric: string, tags: string[], t: number, v: number) => `${metric}{${tags.join(",")}}@${t}=${v}`;
    expect(intake.points.map((p) => key(p.metric, p.tags, p.timestamp, p.value)).sort()).toEqual(
      stored.map((p) => key(p.series.metric, p.series.tags, Math.floor(p.time / 1000), p.value)).sort(),
    );
    expect((await healthOf(hub, "datadog")).state).toBe("ok");
    const text = await scrape(hub.httpUrl);
    expect(metricValue(text, "hearth_sink_points_delivered_total", { sink: "datadog" })).toBe(18);
    expect(metricValue(text, "hearth_sink_outbox_points", { sink: "datadog" })).toBe(0);
    expect(metricValue(text, "hearth_sink_last_success_timestamp_seconds", { sink: "datadog" })).toBe(clock.now() / 1000);
  });

  it("retries a burst of 429, 408 and 500 answers and delivers everything", async () => {
    const { intake, hub, mqtt } = await setup({ config: { pipeline: { flush_interval: "300ms" }, forward: { backoff: { min: "20ms", max: "100ms" } } } });
    intake.respond({ status: 429, errors: ["Too many requests"], headers: { "x-ratelimit-reset": "1" } }, 429, 429, 408, 500);
    await publish(hub, mqtt, [
      ["meter/a/power", "1"],
      ["meter/b/power", "2"],
    ]);
    await waitFor(() => intake.points.length >= 2, "both points after the retries", 15_000);
    const statuses = intake.requests.map((r) => r.status);
    expect(statuses.slice(0, 5)).toEqual([429, 429, 429, 408, 500]);
    expect(statuses.slice(5).every((s) => s === 202)).toBe(true);
    const text = await scrape(hub.httpUrl);
    expect(metricValue(text, "hearth_sink_retries_total", { sink: "datadog", reason: "http_429" })).toBe(3);
    expect(metricValue(text, "hearth_sink_retries_total", { sink: "datadog", reason: "http_408" })).toBe(1);
    expect(metricValue(text, "hearth_sink_retries_total", { sink: "datadog", reason: "http_5xx" })).toBe(1);
    expect(metricValue(text, "hearth_sink_points_dead_lettered_total", { sink: "datadog" })).toBe(0);
  });

  it("splits a batch the intake answers 413 and delivers the halves", async () => {
    const clock = new ManualClock(START);
    // An intake with a small limit, so an ordinary batch is too large for it.
    const { intake, hub, mqtt } = await setup({ clock, intake: { maxCompressedBytes: 200 } });
    const devices = Array.from({ length: 24 }, (_, i) => `plug${i}`);
    await publish(
      hub,
      mqtt,
      devices.map((d, i) => [`meter/${d}/power`, String(i)] as [string, string]),
    );
    clock.advance(10_000);
    await waitFor(() => intake.points.length >= 24, "all 24 points after splitting");
    expect(intake.requests[0]!.status).toBe(413);
    expect(intake.requests.filter((r) => r.status === 202).length).toBeGreaterThan(1);
    expect(new Set(intake.points.map((p) => p.tags[0]))).toEqual(new Set(devices.map((d) => `device:${d}`)));
    expect(deadLetters(hub)).toEqual([]);
  });

  it("sets a batch answered 400 aside as a dead letter, says why in one log line, and goes on with the next", async () => {
    const clock = new ManualClock(START);
    const { intake, hub, mqtt } = await setup({ clock });
    intake.respond({ status: 400, errors: ["Invalid value for metric power.watts"] });
    await publish(hub, mqtt, [
      ["meter/a/power", "1"],
      ["meter/b/power", "2"],
    ]);
    clock.advance(10_000);
    await waitFor(() => hub.logs.find((e) => e.code === "HEARTH_E_DATADOG_REJECTED"), "the rejection in the log");
    const line = hub.logs.entries.filter((e) => e.code === "HEARTH_E_DATADOG_REJECTED");
    expect(line).toHaveLength(1);
    expect(line[0]!.msg).toMatch(/^Datadog rejected 2 points \(400\): Invalid value for metric power\.watts; set aside as dead letter \d+, not retried$/);
    const dead = deadLetters(hub);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ sink: "datadog", status: 400, errors: ["Invalid value for metric power.watts"] });
    expect(dead[0]!.points.map((p) => p.value)).toEqual([1, 2]);
    expect(metricValue(await scrape(hub.httpUrl), "hearth_sink_points_dead_lettered_total", { sink: "datadog" })).toBe(2);

    await publish(hub, mqtt, [["meter/a/power", "3"]]);
    clock.advance(10_000);
    await waitFor(() => intake.points.length >= 1, "the next flush delivered");
    expect(intake.points.map((p) => p.value)).toEqual([3]);
  });

  it("shows a refused key on /healthz, keeps every point, and resumes when a reload brings a valid key", async () => {
    const clock = new ManualClock(START);
    const { intake, hub, mqtt } = await setup({ clock, apiKey: "revoked-key" });
    await publish(hub, mqtt, [["meter/a/power", "1"]]);
    clock.advance(10_000);
    await waitFor(async () => (await healthOf(hub, "datadog")).state === "down", "the sink down");
    const health = (await (await fetch(`${hub.httpUrl}/healthz`)).json()) as { status: string };
    expect(health.status).toBe("degraded"); // a sink is not critical: the container stays healthy
    const dd = await healthOf(hub, "datadog");
    expect(dd.detail).toBe("HEARTH_E_DATADOG_KEY_REFUSED: Datadog refused the API key (403): Forbidden; every point is kept until a valid key is configured");
    expect(hub.logs.find((e) => e.code === "HEARTH_E_DATADOG_KEY_REFUSED")?.level).toBe(50);
    expect(JSON.stringify(hub.logs.entries)).not.toContain("revoked-key");

    await publish(hub, mqtt, [["meter/a/power", "2"]]);
    clock.advance(10_000);
    expect(intake.points).toEqual([]);
    const config = fs.readFileSync(hub.configFile, "utf8").replace("revoked-key", "test-api-key");
    fs.writeFileSync(hub.configFile, config);
    await hub.hub.reload(loadTestConfig(hub.configFile, hub.rulesDir));
    await waitFor(() => intake.points.length >= 2, "both points after the reload");
    expect(intake.points.map((p) => p.value)).toEqual([1, 2]);
    expect((await healthOf(hub, "datadog")).state).toBe("ok");
  });

  it("keeps points older than Datadog's one-hour window locally instead of sending them blind", async () => {
    const clock = new ManualClock(START);
    const { intake, hub, mqtt } = await setup({ clock, config: { forward: { historical_metrics: ["meter.*"] } } });
    await intake.stop();
    await publish(hub, mqtt, [
      ["meter/a/power", "1"],
      ["meter/a/pulses", "5"],
    ]);
    const failures = async () => metricValue(await scrape(hub.httpUrl), "hearth_sink_retries_total", { sink: "datadog", reason: "network" });
    clock.advance(10_000);
    await waitFor(async () => (await failures()) >= 1, "a failed send");
    clock.advance(2 * 3_600_000); // two hours without internet
    await waitFor(async () => (await failures()) >= 2, "the retry during those hours failed too");
    await publish(hub, mqtt, [["meter/a/power", "2"]]);
    await intake.start();
    clock.advance(60_000);
    await waitFor(() => intake.points.length + intake.late.length >= 2, "what may still be sent");
    // The recent point went; the two-hour-old gauge stayed home; the count's metric has historical ingestion on, so it went.
    expect(intake.points.map((p) => [p.metric, p.value])).toEqual([["power.watts", 2]]);
    expect(intake.late.map((p) => [p.metric, p.value])).toEqual([["meter.pulses", 5]]);
    expect(metricValue(await scrape(hub.httpUrl), "hearth_sink_points_withheld_total", { sink: "datadog", reason: "too_old" })).toBe(1);
    expect(hub.logs.find((e) => e.code === "HEARTH_E_DATADOG_TOO_OLD")?.msg).toMatch(/^1 point is outside Datadog's window/);
    const history = (await (await fetch(`${hub.httpUrl}/api/series?metric=power.watts&from=3h`)).json()) as { series: { points: [number, number][] }[] };
    expect(history.series[0]!.points.map((p) => p[1])).toEqual([1, 2]);
  });

  it("forwards only what the patterns allow and at most max_series_per_metric series, naming the excess in the log", async () => {
    const clock = new ManualClock(START);
    const { intake, hub, mqtt } = await setup({ clock, config: { forward: { exclude: ["device.*"], max_series_per_metric: 2 } } });
    await publish(hub, mqtt, [
      ["meter/a/power", "1"],
      ["meter/b/power", "2"],
      ["meter/c/power", "3"],
      ["meter/d/power", "4"],
      ["meter/a/uptime", "99"],
    ]);
    clock.advance(10_000);
    await waitFor(
      async () => metricValue(await scrape(hub.httpUrl), "hearth_sink_points_withheld_total", { sink: "datadog", reason: "series_cap" }) === 2 || undefined,
      "the cap counted",
    );
    await waitFor(() => intake.points.length >= 2, "two series");
    expect(intake.points.map((p) => p.tags[0]).sort()).toEqual(["device:a", "device:b"]);
    const text = await scrape(hub.httpUrl);
    expect(metricValue(text, "hearth_sink_points_withheld_total", { sink: "datadog", reason: "excluded" })).toBe(1);
    const capped = hub.logs.entries.filter((e) => e.code === "HEARTH_E_SERIES_CAP").map((e) => e.msg);
    expect(capped).toEqual([
      "power.watts has 2 series in the last hour (forward.max_series_per_metric): not forwarding power.watts{device:c,env:test}",
      "power.watts has 2 series in the last hour (forward.max_series_per_metric): not forwarding power.watts{device:d,env:test}",
    ]);
    // The store keeps everything: the cap only limits what is billed.
    const stored = (await (await fetch(`${hub.httpUrl}/api/series?metric=power.watts&from=1h`)).json()) as { series: unknown[] };
    expect(stored.series).toHaveLength(4);
  });

  it("cuts a large backlog into requests under 500 KB compressed and 5 MB decompressed, oldest first", async () => {
    const clock = new ManualClock(START);
    const { intake, hub } = await setup({ clock, config: { forward: { max_series_per_metric: 5000 } } });
    await intake.stop();
    const points: Point[] = [];
    const note = `note:${"a-long-description-of-where-this-plug-sits-".repeat(4)}`;
    for (let i = 0; i < 40_000; i++) {
      const tags = [`device:plug-${i % 2000}`, "env:test", note, `room:${["kitchen", "garage", "office", "attic"][i % 4]}`];
      points.push({
        key: `power.watts|${tags.join(",")}`,
        metric: "power.watts",
        tags,
        type: "gauge",
        unit: "W",
        time: START - 1_000_000 + i * 10,
        value: Math.random() * 3000,
        interval: 10_000,
      });
    }
    await hub.hub.store.append(points, clock.now());
    await intake.start();
    hub.hub.forwarding.wake();
    await waitFor(() => intake.points.length >= 40_000, "all 40000 points", 30_000);
    const accepted = intake.requests.filter((r) => r.status === 202);
    expect(accepted.length).toBeGreaterThan(8); // the size budget and the read size split them
    expect(accepted.every((r) => r.compressedBytes <= 512_000 && r.decompressedBytes <= 5_242_880)).toBe(true);
    expect(Math.max(...accepted.map((r) => r.decompressedBytes))).toBeLessThanOrEqual(500_000); // Hearth's own budget, measured on the wire
    expect(intake.requests.some((r) => r.status === 413)).toBe(false);
    // Oldest first: every point of a request is at least as old as every point of the next.
    let offset = 0;
    const perRequest = accepted.map((r) => intake.points.slice(offset, (offset += r.points)).map((p) => p.timestamp));
    for (let i = 1; i < perRequest.length; i++) expect(Math.max(...perRequest[i - 1]!)).toBeLessThanOrEqual(Math.min(...perRequest[i]!));
  });

  it("flushes what is aggregated and sends it once more on a clean stop", async () => {
    const t = await setup();
    await publish(t.hub, t.mqtt, [["meter/a/power", "7"]]);
    expect(t.intake.points).toEqual([]); // the 10 s flush interval has not passed
    await t.mqtt.endAsync();
    mqtt = undefined;
    await t.hub.stop();
    hub = undefined;
    expect(t.intake.points.map((p) => [p.metric, p.value])).toEqual([["power.watts", 7]]);
  });
});

describe("the local intake", () => {
  it("speaks the documented protocol to the real client: gzip and deflate bodies, DD-API-KEY, 403, and 413 above 5 MB decompressed", async () => {
    intake = await startIntake();
    const api = (key: string) =>
      new v2.MetricsApi(client.createConfiguration({ authMethods: { apiKeyAuth: key }, baseServer: new client.BaseServerConfiguration(intake!.url, {}) }));
    const now = Math.floor(Date.now() / 1000);
    const body: v2.MetricPayload = {
      series: [{ metric: "hearth.test", type: 3, points: [{ timestamp: now, value: 1 }], resources: [{ name: "h", type: "host" }] }],
    };
    await api("test-api-key").submitMetrics({ body, contentEncoding: "gzip" });
    await api("test-api-key").submitMetrics({ body, contentEncoding: "deflate" });
    await expect(api("another-key").submitMetrics({ body, contentEncoding: "gzip" })).rejects.toMatchObject({ code: 403, body: { errors: ["Forbidden"] } });
    // 150000 points of about 36 bytes: over 5 MB as JSON, far under 500 KB gzipped.
    const huge: v2.MetricPayload = {
      series: [{ metric: "hearth.test", type: 3, points: Array.from({ length: 150_000 }, () => ({ timestamp: now, value: 1 })) }],
    };
    await expect(api("test-api-key").submitMetrics({ body: huge, contentEncoding: "gzip" })).rejects.toMatchObject({ code: 413 });
    expect(intake.requests.map((r) => [r.encoding, r.status])).toEqual([
      ["gzip", 202],
      ["deflate", 202],
      ["gzip", 403],
      ["gzip", 413],
    ]);
    expect(intake.points).toHaveLength(2);
  });
});
