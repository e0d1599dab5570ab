import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kit/clock.js";
import { Explainer, formatExplanation } from "../../src/cli/explain.js";
import { formatNumber, readableNumber } from "../../src/kit/readable-number.js";
import { ROOT, runCli } from "../helpers/cli.js";
import { readMessages } from "../helpers/fixtures.js";
import { loadTestConfig, startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { queryStore } from "../helpers/store.js";
import { waitFor } from "../helpers/wait.js";

describe("readableNumber", () => {
  it("keeps what a device sent and whole numbers, and trims arithmetic's tails to six significant digits", () => {
    // As sent: tasmota/docs Sonoff-Pow-R2.md's readings, a Shelly Gen1 counter in kWh, a large total.
    for (const v of [11.661, 6.294, 0.99, 2635, 2.9335, 12345.678, -57, 0]) expect(readableNumber(v)).toBe(v);
    expect(formatNumber(61354.393 / 1000)).toBe("61.3544"); // 61.354392999999995 kWh from a Wh counter
    expect(formatNumber(0.1 + 0.2)).toBe("0.3");
    expect(formatNumber(64 / 3)).toBe("21.3333"); // a mean
    expect(formatNumber(3 * 1.0000000000000002e-7)).toBe("3e-7");
    expect(formatNumber(1234567.123456789)).toBe("1234567"); // never fewer digits than the whole part
    expect(formatNumber(Number.NaN)).toBe("NaN");
  });
});

describe("the status page's numbers", () => {
  it("follow the same rule in the browser (web/format.js) as in the hub", async () => {
    const web = (await import(pathToFileURL(path.join(ROOT, "web/format.js")).href)) as {
      readable(v: number): number;
      num(v: number | null, unit?: string): string;
    };
    for (const v of [
      11.661,
      6.294,
      0.99,
      2635,
      2.9335,
      12345.678,
      -57,
      0,
      61354.393 / 1000,
      0.1 + 0.2,
      64 / 3,
      3e-7 * 1.0000000000000002,
      1234567.123456789,
      -1 / 3,
    ])
      expect(web.readable(v), String(v)).toBe(readableNumber(v));
    expect(web.num(61354.393 / 1000, "kWh")).toBe("61.3544 kWh");
    expect(web.num(11.661, "V")).toBe("11.661 V"); // as the device sent it, not cut to three digits
    expect(web.num(null)).toBe("–");
  });
});

describe("Readable numbers in --explain and the HTTP API; exact in the store", () => {
  // mlyszczek/shelldown readme (test/fixtures/power/README.md): a Shelly Plus 1PM drawing 918.63 W.
  const [, drawing] = readMessages("power/shelly-gen2-events-rpc-notifystatus.jsonl");
  // A homeowner who wants kilowatts: 918.63 × 0.001 is 0.9186300000000001 in floating point.
  const RULES = `
mappings:
  - topic: +device/events/rpc
    metric: power.kw
    path: params.switch:0.apower
    scale: 0.001
    unit: kW
    tags: ["device:{device}"]
monitors:
  - {name: drawing, query: "last(last_5m):power.kw{*} > 0.5"}
`;
  const exact = 918.63 * 0.001;
  const clock = new ManualClock(Date.UTC(2026, 0, 15, 11));
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ clock, rules: { "kw.yaml": RULES } });
  });
  afterAll(() => t.stop());

  it("prints 0.91863 kW, serves 0.91863 (series and alerts), and stores and flushes 0.9186300000000001", async () => {
    expect(exact).toBe(0.9186300000000001);
    const explainer = new Explainer(loadTestConfig(t.configFile, t.rulesDir));
    const e = explainer.explain(drawing!.topic, Buffer.from(drawing!.payload));
    expect(e.matches[0]!.samples[0]!.value).toBe(exact); // the hub's own value, for the comparison with the pipeline
    expect(formatExplanation(e)).toMatch(/power\.kw\s+0\.91863 kW\s/);
    const cli = await runCli(["check", "--config", t.configFile, "--rules", t.rulesDir, "--json", "--explain", drawing!.topic, drawing!.payload]);
    expect(cli.code).toBe(0);
    expect((JSON.parse(cli.stdout) as { matches: { samples: { value: number }[] }[] }).matches[0]!.samples[0]!.value).toBe(0.91863);

    const client = await connectMqtt(t.mqttUrl);
    await client.publishAsync(drawing!.topic, drawing!.payload, { qos: 1 });
    await client.endAsync();
    await waitFor(() => t.samples.some((s) => s.metric === "power.kw"), "the power.kw sample");
    expect(t.samples.find((s) => s.metric === "power.kw")!.value).toBe(exact);
    const latest = (await (await fetch(`${t.httpUrl}/api/series?metric=power.kw`)).json()) as { series: { value: number }[] };
    expect(latest.series.map((s) => s.value)).toEqual([0.91863]);

    clock.advance(10_000); // one flush interval: the point is written to the local store
    await waitFor(() => queryStore<{ value: number }>(t.dir, "SELECT value FROM points").length > 0, "the flushed point");
    expect(queryStore<{ value: number }>(t.dir, "SELECT value FROM points").map((r) => r.value)).toEqual([exact]);
    const history = (await (await fetch(`${t.httpUrl}/api/series?metric=power.kw&from=1h`)).json()) as { series: { points: [number, number][] }[] };
    expect(history.series[0]!.points.map(([, v]) => v)).toEqual([0.91863]);

    clock.advance(50_000); // the minute's evaluation: the monitor's value is served as readable as the reading
    const alerts = await waitFor(async () => {
      const { alerts } = (await (await fetch(`${t.httpUrl}/api/alerts`)).json()) as { alerts: { monitor: string; state: string; value: number }[] };
      return alerts.find((a) => a.monitor === "drawing" && a.state === "ALERT");
    }, "the drawing monitor's alert");
    expect(alerts.value).toBe(0.91863);
  });
});
