import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { ManualClock } from "../../src/kit/clock.js";
import { launchChromium } from "../helpers/browser.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { closeNow, listenLocal } from "../helpers/ports.js";
import { seedWeek } from "../helpers/seed.js";
import { waitFor } from "../helpers/wait.js";

// What runs in the page is given as text: this file is typed without the DOM.

// A Saturday noon; the hub's clock stands still unless the test moves it.
const NOW = Date.UTC(2026, 0, 24, 12, 0, 0);
const RULES = {
  "monitors.yaml": {
    version: 1,
    monitors: [
      { name: "tank pH", query: "avg(last_15m):hydro.ph{tank:tank1} > 6.5", recipients: [], calendars: ["quiet_hours"] },
      { name: "stove draw", query: "avg(last_5m):power.watts{appliance:stove} > 3000", recipients: [] },
    ],
    calendars: [{ name: "quiet_hours", timezone: "UTC", windows: [{ days: "sat,sun" }] }],
  },
  "dashboards.yaml": {
    version: 1,
    dashboards: [
      {
        name: "house",
        title: "The house",
        time: "1d",
        widgets: [
          { type: "timeseries", title: "Power per hour", queries: "avg:power.watts{*} by {appliance}.rollup(sum, 3600)", display: "bars" },
          {
            type: "timeseries",
            title: "Stove, with anomalies",
            time: "4h",
            queries: ["anomalies(avg:power.watts{appliance:stove}, 'basic', 2)", "anomalies(avg:power.watts{appliance:stove}, 'robust', 3)"],
          },
          { type: "query_value", title: "Stove at most", query: "max:power.watts{appliance:stove}", aggregator: "max", unit: "W" },
          { type: "note", text: "Power comes from the `stove` plug." },
        ],
      },
    ],
  },
};

let t: TestHub;
let browser: { context: BrowserContext; close: () => Promise<void> };
let seeded: [number, number][];
const clock = new ManualClock(NOW);

const api = async <T>(path: string): Promise<T> => (await (await fetch(`${t.httpUrl}${path}`)).json()) as T;

beforeAll(async () => {
  t = await startTestHub({ clock, rules: RULES });
  seeded = await seedWeek(t.hub.store, {
    metric: "power.watts",
    tags: ["appliance:stove"],
    unit: "W",
    until: NOW - 10_000,
    value: (i) => 1000 + (i % 720) + (i % 3),
  });
  // The latest readings, flushed and evaluated as a live hub would.
  for (let minute = 0; minute < 3; minute++) {
    t.hub.pipeline.addSample({ metric: "hydro.ph", value: 6.1, tags: ["tank:tank1"], time: clock.now(), kind: "gauge", unit: "pH" });
    t.hub.pipeline.addSample({ metric: "power.watts", value: 1200, tags: ["appliance:stove"], time: clock.now(), kind: "gauge", unit: "W" });
    clock.advance(60_000);
  }
  await waitFor(async () => (await api<{ alerts: { monitor: string }[] }>("/api/alerts")).alerts.length >= 2, "both monitors to have a group");
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

/** Opens the page, recording every console error and uncaught exception. */
async function openPage(width: number, hash = ""): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width, height: 900 });
  const errors: string[] = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${t.httpUrl}/${hash}`);
  await page.waitForSelector(".alert");
  return { page, errors };
}

type Chart = { rollup: { fn: string; interval_s: number }; from: number; until: number; data: [number[], (number | null)[]] };

/** Buckets of `interval_s` aligned to the epoch, as the test computes them from the seeded points. */
function rollUp(chart: Chart, fn: (values: number[]) => number): Map<number, number> {
  const step = chart.rollup.interval_s * 1000;
  const buckets = new Map<number, number[]>();
  for (const [time, v] of seeded) {
    if (time < chart.from || time > chart.until) continue;
    const b = Math.floor(time / step) * step;
    buckets.set(b, [...(buckets.get(b) ?? []), v]);
  }
  return new Map([...buckets].map(([b, vs]) => [b / 1000, fn(vs)]));
}

describe("the status page in Chromium", () => {
  it("loads with no console errors, shows the house and reads muted by quiet_hours", async () => {
    const { page, errors } = await openPage(1280);
    const tank = page.locator('.alert[data-monitor="tank pH"]');
    await expect.poll(() => tank.locator(".muted-by").textContent()).toBe("muted by quiet_hours");
    await expect.poll(() => page.locator("#about").textContent()).toContain("times in UTC");
    await page.close();
    expect(errors).toEqual([]);
  });

  it("draws a seeded week of 10 s points from the store, and sums them per hour as the test does", async () => {
    const { page, errors } = await openPage(1280);
    await page.locator(".series", { hasText: "appliance:stove" }).first().click();
    await page.waitForFunction("window.hearthChart");
    await page.click('#ranges button[data-range="7d"]');
    const week = await waitFor(
      () => page.evaluate<Chart>("window.hearthChart").then((c) => (c.until - c.from > 6 * 86_400_000 ? c : undefined)),
      "the week's chart",
    );
    const avg = rollUp(week, (vs) => vs.reduce((a, b) => a + b, 0) / vs.length);
    expect(week.rollup.fn).toBe("avg");
    expect(week.data[0].length).toBeGreaterThan(500);
    expect(week.data[0].length).toBeLessThanOrEqual(2000);
    const drawn = new Map(week.data[0].map((x, i) => [x, week.data[1][i]!]));
    for (const [x, v] of avg) expect(drawn.get(x), `bucket ${new Date(x * 1000).toISOString()}`).toBeCloseTo(v, 6);

    await page.selectOption("#rollup-fn", "sum");
    await page.selectOption("#rollup-interval", "3600");
    const hourly = await waitFor(
      () => page.evaluate<Chart>("window.hearthChart").then((c) => (c.rollup.fn === "sum" && c.rollup.interval_s === 3600 ? c : undefined)),
      "the hourly sums",
    );
    const sums = rollUp(hourly, (vs) => vs.reduce((a, b) => a + b, 0));
    // The seeded week ends before NOW; the readings flushed from NOW on fall in buckets of their own.
    expect(hourly.data[0].filter((x) => x * 1000 < NOW)).toEqual([...sums.keys()]);
    for (const [x, v] of sums) expect(hourly.data[1][hourly.data[0].indexOf(x)]).toBeCloseTo(v, 6);
    await page.close();
    expect(errors).toEqual([]);
  });

  it("draws the rules' dashboard: hourly sums per appliance as the test sums them, the anomaly band, a query value and a note", async () => {
    const { page, errors } = await openPage(1280);
    type Drawn = { series: string[]; data: (number | null)[][]; widget: number };
    type Board = { name: string; evaluated: { type: string; from: number; until: number; interval_s: number; value?: number }[]; drawn: Drawn[] };
    const board = await waitFor(() => page.evaluate<Board | undefined>("window.hearthDashboard"), "the dashboard");
    expect(board.name).toBe("house");
    const hourly = board.drawn.find((d) => d.widget === 0)!;
    const w0 = board.evaluated[0]!;
    expect(w0.interval_s).toBe(3600);
    const stove = hourly.series.indexOf("appliance:stove");
    expect(stove).toBeGreaterThan(0);
    const sums = rollUp({ rollup: { fn: "sum", interval_s: 3600 }, from: w0.from, until: w0.until, data: [[], []] }, (vs) => vs.reduce((a, b) => a + b, 0));
    const drawnSums = new Map(hourly.data[0]!.map((x, i): [number, number] => [x!, hourly.data[stove]![i]!]).filter(([x]) => x * 1000 < NOW));
    expect([...drawnSums.keys()]).toEqual([...sums.keys()]);
    for (const [x, v] of sums) expect(drawnSums.get(x)).toBeCloseTo(v, 6);

    // The basic band: two bounds around the stove's line, upper above lower wherever both are drawn.
    const band = board.drawn.find((d) => d.widget === 1)!;
    expect(band.series.slice(1)).toEqual(["all upper", "all lower", "all", "all"]);
    const [upper, lower] = [band.data[1]!, band.data[2]!];
    const drawnBounds = upper.map((u, i) => [u, lower[i]]).filter(([u, l]) => u !== null && l !== null);
    expect(drawnBounds.length).toBeGreaterThan(100);
    expect(drawnBounds.every(([u, l]) => u! >= l!)).toBe(true);
    await expect
      .poll(() => page.locator('.widget[data-widget="1"]').textContent())
      .toContain("'robust' is seasonal: Datadog needs at least three weeks of history");

    const max = Math.max(...seeded.filter(([time]) => time >= NOW + 3 * 60_000 - 86_400_000).map(([, v]) => v), 1200);
    expect(board.evaluated[2]!.value).toBe(max);
    await expect.poll(() => page.locator('.query-value[data-widget="2"] .value').textContent()).toBe(`${max} W`);
    await expect.poll(() => page.locator(".note-widget code").textContent()).toBe("stove");
    await page.close();
    expect(errors).toEqual([]);
  });

  it("snoozes a monitor from the page, which /api/alerts then shows, with the #token= header on every request", async () => {
    const { page, errors } = await openPage(1280, "#token=page-token");
    const asked: (string | undefined)[] = [];
    page.on("request", (r) => r.url().includes("/api/") && asked.push(r.headers().authorization));
    const stove = page.locator('.alert[data-monitor="stove draw"]');
    await stove.locator("select").selectOption("4h");
    await stove.locator('button[data-act="snooze"]').click();
    const snoozed = await waitFor(
      async () =>
        (await api<{ alerts: { monitor: string; muted_by?: string }[] }>("/api/alerts")).alerts.find(
          (a) => a.monitor === "stove draw" && a.muted_by?.startsWith("snooze"),
        ),
      "the snooze in /api/alerts",
    );
    expect(snoozed.muted_by).toMatch(/^snooze #\d+$/);
    const { one_offs } = await api<{ one_offs: { kind: string; monitor: string; end: string; by: string }[] }>("/api/downtimes");
    expect(one_offs).toContainEqual(
      expect.objectContaining({
        kind: "snooze",
        monitor: "stove draw",
        by: "status page",
        end: new Date(Math.floor(clock.now() / 1000) * 1000 + 4 * 3_600_000).toISOString().replace(".000Z", "Z"),
      }),
    );
    await expect.poll(() => stove.locator(".muted-by").textContent()).toContain("snoozed until");
    expect(asked.length).toBeGreaterThan(0);
    expect(new Set(asked)).toEqual(new Set(["Bearer page-token"]));
    await page.close();
    expect(errors).toEqual([]);
  });

  it("refuses a POST from another site's page", async () => {
    // Another origin (localhost, not 127.0.0.1, on a port of its own) tries a form and a fetch.
    const evil = http.createServer((_req, res) => res.setHeader("content-type", "text/html").end("<!doctype html><title>elsewhere</title>"));
    const port = await listenLocal(evil, 0);
    const before = (await api<{ one_offs: unknown[] }>("/api/downtimes")).one_offs.length;
    const page = await browser.context.newPage();
    try {
      await page.goto(`http://localhost:${port}/`);
      const outcome = await page.evaluate(async (hub) => {
        const form = await fetch(`${hub}/api/downtimes`, {
          method: "POST",
          mode: "no-cors",
          headers: { "Content-Type": "text/plain" },
          body: JSON.stringify({ for: "1d" }),
        }).then(
          () => "sent",
          (e: Error) => e.message,
        );
        const json = await fetch(`${hub}/api/downtimes`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ for: "1d" }),
        }).then(
          (r) => `answered ${r.status}`,
          (e: Error) => `blocked: ${e.message}`,
        );
        return { form, json };
      }, t.httpUrl);
      // The JSON request needs a CORS preflight the hub never grants; the plain-text one is not JSON to the hub.
      expect(outcome.json).toMatch(/^blocked/);
      expect((await api<{ one_offs: unknown[] }>("/api/downtimes")).one_offs.length).toBe(before);
      const direct = await fetch(`${t.httpUrl}/api/downtimes`, {
        method: "POST",
        headers: { "Content-Type": "text/plain", Origin: `http://localhost:${port}` },
        body: JSON.stringify({ for: "1d" }),
      });
      expect(direct.status).toBeGreaterThanOrEqual(400);
    } finally {
      await page.close();
      await closeNow(evil);
    }
  });

  it("fits a phone: no horizontal scroll at 390 px, chart open", async () => {
    const { page, errors } = await openPage(390);
    await page.locator(".series").first().click();
    await page.waitForFunction("window.hearthChart");
    const [scroll, client] = await page.evaluate<[number, number]>("[document.documentElement.scrollWidth, document.documentElement.clientWidth]");
    expect(scroll).toBeLessThanOrEqual(client);
    await page.close();
    expect(errors).toEqual([]);
  });
});
