import fs from "node:fs";
import { stringify, parse } from "yaml";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kit/clock.js";
import { loadTestConfig, startTestHub, type TestHub } from "../../test/helpers/hub.js";
import { sampleInstance } from "../../test/helpers/samples.js";
import { queryStore } from "../../test/helpers/store.js";
import { waitFor } from "../../test/helpers/wait.js";

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.stop();
  hub = undefined;
});

describe("my_metric", () => {
  it("draws an integer from 0 to 1000 on its configured interval, and a reload with a new interval applies", async () => {
    const clock = new ManualClock(Date.parse("2026-01-05T08:00:00Z"));
    const { name, instance } = sampleInstance("my_metric");
    hub = await startTestHub({ config: { integrations: { [name]: instance } }, clock });
    const t = hub;
    const values = () => t.samples.filter((s) => s.metric === "my_metric");
    // The first value is drawn as the hub starts (before this test listens), then one per interval.
    const started = clock.now();
    expect(t.hub.pipeline.aggregator.view().find((s) => s.metric === "my_metric")?.last.time).toBe(started);

    // A run finishes in a later tick; a run still going when the next is due would be skipped.
    const tick = async (ms: number) => {
      clock.advance(ms);
      await new Promise((r) => setImmediate(r));
    };
    await tick(44_999);
    expect(values()).toHaveLength(0);
    await tick(1);
    expect(values()).toHaveLength(1);
    for (let i = 0; i < 200; i++) await tick(45_000);
    const got = values();
    expect(got).toHaveLength(201);
    expect(got.every((s) => Number.isInteger(s.value) && s.value >= 0 && s.value <= 1000 && s.kind === "gauge")).toBe(true);
    expect(new Set(got.map((s) => s.value)).size).toBeGreaterThan(50);
    expect(got.map((s) => s.time - started)).toEqual(Array.from({ length: 201 }, (_, i) => (i + 1) * 45_000));

    // The homeowner edits the interval and reloads: only the file changes.
    const file = parse(fs.readFileSync(t.configFile, "utf8")) as { integrations: Record<string, { min_collection_interval: number }> };
    file.integrations[name]!.min_collection_interval = 10;
    fs.writeFileSync(t.configFile, stringify(file));
    await t.hub.reload(loadTestConfig(t.configFile, t.rulesDir));
    const reloadedAt = clock.now();
    await waitFor(() => values().length === 202, "a value at the reload");
    for (let i = 0; i < 6; i++) await tick(10_000);
    expect(
      values()
        .slice(201)
        .map((s) => s.time - reloadedAt),
    ).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000]);

    // And it reaches the series API like any other metric, after a flush.
    const series = (await (await fetch(`${t.httpUrl}/api/series?metric=my_metric`)).json()) as { series: { metric: string; tags: string[] }[] };
    expect(series.series.map((s) => [s.metric, s.tags])).toEqual([["my_metric", []]]);
  });

  it("collecting every 5 s with a 10 s flush stores every value at its own time, none lost", async () => {
    const clock = new ManualClock(Date.parse("2026-01-05T08:00:00Z"));
    const { name, instance } = sampleInstance("my_metric");
    hub = await startTestHub({ config: { pipeline: { flush_interval: "10s" }, integrations: { [name]: { ...instance, min_collection_interval: 5 } } }, clock });
    const t = hub;
    const started = clock.now();
    for (let i = 0; i < 12; i++) {
      clock.advance(5_000);
      await new Promise((r) => setImmediate(r));
    }
    const collected = t.samples.filter((s) => s.metric === "my_metric");
    expect(collected).toHaveLength(12);
    // A clean stop flushes what is held; the store is then read as any SQLite client would.
    await t.hub.stop();
    hub = undefined;
    const stored = queryStore<{ time: number; value: number }>(
      t.dir,
      "SELECT p.time, p.value FROM points p JOIN series s ON s.id = p.series_id WHERE s.metric = 'my_metric' ORDER BY p.time",
    );
    fs.rmSync(t.dir, { recursive: true, force: true });
    // The value drawn at start, then one per 5 s: 13 points, 2 per flush, with the values drawn.
    expect(stored.map((p) => p.time - started)).toEqual(Array.from({ length: 13 }, (_, i) => i * 5_000));
    expect(stored.slice(1).map((p) => p.value)).toEqual(collected.map((s) => s.value));
  });
});
