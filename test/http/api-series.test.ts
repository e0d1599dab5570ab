import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kit/clock.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { seedWeek } from "../helpers/seed.js";
import { waitFor } from "../helpers/wait.js";

const START = Date.UTC(2026, 0, 15, 11, 0, 0);
const RULES = { "tank.yaml": { version: 1, mappings: [{ topic: "garden/+tank/ph", metric: "hydro.ph", unit: "pH", tags: ["tank:{tank}"] }] } };

interface History {
  from: string;
  until: string;
  truncated: boolean;
  series: { metric: string; tags: string[]; unit: string; type: string; points: [number, number][] }[];
}

let t: TestHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const get = async (path: string) => {
  const res = await fetch(`${t!.httpUrl}${path}`);
  return { status: res.status, body: (await res.json()) as History & { error?: string } };
};

describe("GET /api/series with from", () => {
  it("serves the last hour from the local store with no Datadog key at all", async () => {
    const clock = new ManualClock(START);
    t = await startTestHub({ clock, rules: RULES });
    const mqtt = await connectMqtt(t.mqttUrl);
    // A reading every five minutes for 80 minutes, from two tanks.
    for (let i = 0; i <= 16; i++) {
      await mqtt.publishAsync("garden/tank1/ph", String(6 + i / 100), { qos: 1 });
      await mqtt.publishAsync("garden/tank2/ph", String(7 + i / 100), { qos: 1 });
      await waitFor(() => t!.samples.length >= 2 * (i + 1), "the readings");
      clock.advance(5 * 60_000);
    }
    await mqtt.endAsync();
    const now = clock.now();
    const health = (await (await fetch(`${t.httpUrl}/healthz`)).json()) as { components: Record<string, { state: string; detail?: string }> };
    expect(health.components.datadog).toMatchObject({
      state: "disabled",
      detail: "no API key (datadog.api_key or DD_API_KEY): points are kept in the local store only",
    });

    // The store's writer thread commits the last flush on its own time: wait until it has.
    const hour = await waitFor(async () => {
      const answer = await get("/api/series?metric=hydro.ph&from=1h");
      return answer.body.series?.[0]?.points.length === 12 ? answer : undefined;
    }, "the last flush in the store");
    expect(hour.status).toBe(200);
    expect(hour.body.from).toBe(new Date(now - 3_600_000).toISOString());
    expect(hour.body.series.map((s) => [s.metric, s.tags, s.unit, s.type])).toEqual([
      ["hydro.ph", ["tank:tank1"], "pH", "gauge"],
      ["hydro.ph", ["tank:tank2"], "pH", "gauge"],
    ]);
    const tank1 = hour.body.series[0]!.points;
    expect(tank1.every(([time]) => time >= now - 3_600_000 && time < now)).toBe(true);
    expect(tank1.map(([, v]) => v)).toEqual([6.05, 6.06, 6.07, 6.08, 6.09, 6.1, 6.11, 6.12, 6.13, 6.14, 6.15, 6.16]);

    const all = await get(`/api/series?metric=hydro.*&tags=Tank:Tank2&from=${new Date(START).toISOString()}&until=${Math.floor(now / 1000)}`);
    expect(all.body.series).toHaveLength(1);
    expect(all.body.series[0]!.points).toHaveLength(17);
    expect(all.body.series[0]!.points[0]).toEqual([START, 7]);

    const capped = await get("/api/series?metric=hydro.ph&from=2h&limit=5");
    expect(capped.body.truncated).toBe(true);
    expect(capped.body.series.flatMap((s) => s.points)).toHaveLength(5);

    const live = await get("/api/series?metric=hydro.ph");
    expect(live.body.series.map((s) => s.tags)).toEqual([["tank:tank1"], ["tank:tank2"]]);
  });

  it("says what is wrong with a bad time or limit", async () => {
    t = await startTestHub({ rules: RULES });
    const bad = await get("/api/series?metric=hydro.ph&from=yesterday-ish&limit=0");
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe(
      'from: "yesterday-ish" is not an ISO 8601 time, Unix seconds, or a duration ago such as 1h; limit: expected a whole number from 1 to 200000',
    );
    expect((await get("/api/series?until=1h")).status).toBe(400);
  });
});

describe("GET /api/series with rollup and max_points", () => {
  const NOW = Date.UTC(2026, 0, 22, 12, 0, 0);
  const get2 = async (path: string) => {
    const res = await fetch(`${t!.httpUrl}${path}`);
    return { status: res.status, body: (await res.json()) as History & { error?: string; rollup?: { fn: string; interval_s: number } } };
  };

  it("sums a week of 10 s points per hour as .rollup(sum, 3600) does, and thins to max_points", async () => {
    t = await startTestHub({ clock: new ManualClock(NOW), rules: RULES });
    const seeded = await seedWeek(t.hub.store, {
      metric: "power.watts",
      tags: ["appliance:stove"],
      unit: "W",
      until: NOW,
      value: (i) => (i % 360) + (i % 7) / 10,
    });
    expect(seeded).toHaveLength(60_480);

    const hourly = await get2("/api/series?metric=power.watts&from=7d&rollup=sum,3600");
    expect(hourly.status).toBe(200);
    expect(hourly.body.rollup).toEqual({ fn: "sum", interval_s: 3600 });
    const expected = new Map<number, number>();
    for (const [time, v] of seeded)
      if (time >= NOW - 7 * 86_400_000)
        expected.set(Math.floor(time / 3_600_000) * 3_600_000, (expected.get(Math.floor(time / 3_600_000) * 3_600_000) ?? 0) + v);
    const got = hourly.body.series[0]!.points;
    expect(got.map(([time]) => time)).toEqual([...expected.keys()]);
    for (const [time, v] of got) expect(v).toBeCloseTo(expected.get(time)!, 6);

    const thin = await get2("/api/series?metric=power.watts&from=7d&max_points=500");
    expect(thin.body.rollup).toEqual({ fn: "avg", interval_s: 1800 });
    expect(thin.body.series[0]!.points.length).toBeLessThanOrEqual(500);
    // Too fine an interval for the range is widened, as Datadog widens it.
    const widened = await get2("/api/series?metric=power.watts&from=7d&rollup=max,10&max_points=200");
    expect(widened.body.rollup).toEqual({ fn: "max", interval_s: 3600 });
    expect(Math.max(...widened.body.series[0]!.points.map(([, v]) => v))).toBe(Math.max(...seeded.map(([, v]) => v)));
    const counted = await get2(`/api/series?metric=power.watts&from=${(NOW - 3_600_000) / 1000}&until=${NOW / 1000 - 1}&rollup=count,600`);
    expect(counted.body.series[0]!.points.map(([, v]) => v)).toEqual([60, 60, 60, 60, 60, 60]);
  });

  it("refuses an unknown rollup and a max_points out of range, saying which", async () => {
    t = await startTestHub({ clock: new ManualClock(NOW), rules: RULES });
    const bad = await get2("/api/series?metric=power.watts&from=1h&rollup=median&max_points=0");
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('rollup: expected one of avg, sum, min, max, count, optionally with ",<seconds>" (rollup=sum,3600), got "median"');
    expect(bad.body.error).toContain("max_points: expected a whole number from 1 to 10000");
  });
});
