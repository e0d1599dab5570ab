import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
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
    expect(health.components.datadog).toMatchObject({ state: "disabled", detail: "no API key (datadog.api_key or DD_API_KEY): points are kept in the local store only" });

    const hour = await get("/api/series?metric=hydro.ph&from=1h");
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
    expect(bad.body.error).toBe('from: "yesterday-ish" is not an ISO 8601 time, Unix seconds, or a duration ago such as 1h; limit: expected a whole number from 1 to 200000');
    expect((await get("/api/series?until=1h")).status).toBe(400);
  });
});
