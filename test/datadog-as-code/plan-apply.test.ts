import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "../helpers/cli.js";
import { startDatadogApi, type FakeDatadogApi } from "../helpers/datadog-api.js";
import { writeTestConfig } from "../helpers/hub.js";

/**
 * `hearth datadog plan` and `apply` end to end, on the shipped rules, against a local Datadog
 * API: one explicit sequence, each step starting from what the one before left in "Datadog".
 */

const KEYS = { DD_API_KEY: "test-api-key", DD_APP_KEY: "test-app-key" };
/** Each command loads Datadog's whole client (some 4,000 models); a busy machine needs time for that. */
const SLOW = { timeout: 240_000 };
const shipped = Object.fromEntries(fs.readdirSync(path.join(ROOT, "rules")).map((f) => [f, fs.readFileSync(path.join(ROOT, "rules", f), "utf8")]));

let api: FakeDatadogApi;
let dir: { configFile: string; rulesDir: string; dir: string };
let handMade: { dashboard: string; monitor: number };

/** A `hearth datadog` run that trusts the local server's certificate, as a homeowner behind a TLS proxy would; the keys it was given never appear in what it prints. */
async function hearth(command: "plan" | "apply", extra: string[] = [], env: Record<string, string> = KEYS) {
  const r = await runCli(["datadog", command, "--config", dir.configFile, "--rules", dir.rulesDir, ...extra], {
    env: { DD_SITE: "", NODE_EXTRA_CA_CERTS: api.caFile, ...env },
    timeout: 120_000,
  });
  for (const key of [env.DD_API_KEY, env.DD_APP_KEY].filter(Boolean)) expect(r.stdout + r.stderr).not.toContain(key);
  return r;
}

const editRule = (file: string, from: string, to: string) => {
  const p = path.join(dir.rulesDir, file);
  const text = fs.readFileSync(p, "utf8");
  expect(text).toContain(from);
  fs.writeFileSync(p, text.replace(from, to));
};

beforeAll(async () => {
  api = await startDatadogApi();
  expect(api.url).toMatch(/^https:\/\//);
  dir = writeTestConfig({
    config: { datadog: { url: api.url }, notify: { recipients: { household: { datadog_handle: "household@example.com" } } } },
    rules: shipped,
  });
  handMade = api.addHandMade();
});
afterAll(async () => {
  await api?.close();
  fs.rmSync(dir.dir, { recursive: true, force: true });
});

describe("hearth datadog plan and apply", SLOW, () => {
  it("plans the story's dashboard, monitor and downtime from the shipped rules, with their file:line, and exits 2", async () => {
    const r = await hearth("plan");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^\+ create dashboard\/my_metric {2}\(.*dashboards\.yaml:45:5\)$/m);
    expect(r.stdout).toMatch(/^\+ create dashboard\/house {2}\(.*dashboards\.yaml:\d+:5\)$/m);
    expect(r.stdout).toMatch(/^\+ create monitor\/my_metric_high {2}\(.*story\.yaml:8:5\)$/m);
    expect(r.stdout).toMatch(/^\+ create downtime\/evenings_and_weekends {2}\(.*story\.yaml:\d+:5\)$/m);
    expect(r.stdout).toMatch(/note: the window FREQ=WEEKLY;INTERVAL=1;BYDAY=SA,SU from 00:00 for 1d crosses a daylight-saving change: kept as 25h/);
    expect(r.stdout).toContain("Plan: 4 to create, 0 to change, 0 to delete (0 unchanged).");
    expect(api.writes()).toEqual([]);
  });

  it("applies exactly that: the timeboard, the monitor and the two recurrences, then prints their addresses", async () => {
    const r = await hearth("apply");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(api.writes().map((w) => `${w.method} ${w.path}`)).toEqual([
      "POST /api/v1/dashboard",
      "POST /api/v1/dashboard",
      "POST /api/v1/monitor",
      "POST /api/v2/downtime",
    ]);

    const story = [...api.dashboards.values()].find((d) => d.title === "my_metric and PostgreSQL")!;
    const requests = (
      story.widgets as { definition: { time: unknown; requests: { queries: { query: string }[]; formulas: { formula: string }[]; display_type: string }[] } }[]
    ).map((w) => w.definition);
    expect(requests.map((d) => d.time)).toEqual([{ live_span: "5m" }, { live_span: "5m" }, { live_span: "5m" }]);
    expect(requests.map((d) => [d.requests[0]!.queries[0]!.query, d.requests[0]!.formulas[0]!.formula, d.requests[0]!.display_type])).toEqual([
      ["avg:my_metric{host:$host} by {host}", "query1", "line"],
      ["avg:postgresql.rows_fetched{*}", "anomalies(query1, 'basic', 2)", "line"],
      ["avg:my_metric{*}.rollup(sum, 3600)", "query1", "bars"],
    ]);
    expect(story.template_variables).toEqual([{ name: "host", prefix: "host", defaults: ["*"] }]);
    expect(story.description).toBe("managed-by:hearth hearth-id:dashboard/my_metric");

    const monitor = [...api.monitors.values()].find((m) => m.name === "my_metric high")!;
    expect(monitor).toMatchObject({
      type: "query alert",
      query: "avg(last_5m):avg:my_metric{*} by {host} > 800",
      options: { thresholds: { critical: 800, warning: 500 }, notify_no_data: true, no_data_timeframe: 10 },
    });
    expect(monitor.tags).toEqual(["hearth-calendar:evenings_and_weekends", "hearth-id:monitor/my_metric_high", "managed-by:hearth"]);
    expect(monitor.message).toContain(
      "{{#is_warning}}my_metric averaged {{value}} (warning {{warn_threshold}}) on {{host.name}} ({{host.ip}}).{{/is_warning}}",
    );
    expect(String(monitor.message).endsWith("\n\n@household@example.com")).toBe(true);

    const downtime = [...api.downtimes.values()][0]!.attributes as Record<string, unknown>;
    expect(downtime).toMatchObject({
      scope: "*",
      monitor_identifier: { monitor_tags: ["hearth-calendar:evenings_and_weekends"] },
      notify_end_states: ["alert", "no data", "warn"],
      notify_end_types: ["expired"],
      schedule: {
        timezone: "Europe/Berlin",
        recurrences: [
          { start: "2026-01-05T19:00", duration: "14h", rrule: "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TU,WE,TH,FR" },
          { start: "2026-01-10T00:00", duration: "25h", rrule: "FREQ=WEEKLY;INTERVAL=1;BYDAY=SA,SU" },
        ],
      },
    });
    expect(downtime.message).toMatch(/@household@example\.com/);

    const id = String(monitor.id);
    expect(r.stdout).toContain(`monitor/my_metric_high: ${api.url}/monitors/${id}`);
    expect(r.stdout).toMatch(new RegExp(`dashboard/my_metric: ${api.url}/dashboard/${String(story.id)}/`));
  });

  it("finds nothing to do the second time: plan exits 0 and apply writes nothing", async () => {
    const before = api.writes().length;
    const plan = await hearth("plan");
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain("No changes: Datadog matches the rules (4 objects).");
    const apply = await hearth("apply");
    expect(apply.code).toBe(0);
    expect(api.writes().length).toBe(before);
  });

  it("turns a changed threshold into one update, shown field by field", async () => {
    editRule("story.yaml", "warning: 500", "warning: 600");
    const plan = await hearth("plan");
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/^~ change monitor\/my_metric_high \d+ {2}\(.*story\.yaml:8:5\)\n {4}options\.thresholds\.warning: 500 -> 600$/m);
    expect(plan.stdout).toContain("Plan: 0 to create, 1 to change, 0 to delete (3 unchanged).");
    const before = api.writes().length;
    const apply = await hearth("apply");
    expect(apply.code).toBe(0);
    const writes = api.writes().slice(before);
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([expect.stringMatching(/^PUT \/api\/v1\/monitor\/\d+$/)]);
    expect([...api.monitors.values()].find((m) => m.name === "my_metric high")!.options).toMatchObject({ thresholds: { warning: 600 } });
  });

  it("keeps a managed object whose rule is gone until --prune, which deletes it alone", async () => {
    const text = fs.readFileSync(path.join(dir.rulesDir, "dashboards.yaml"), "utf8");
    fs.writeFileSync(
      path.join(dir.rulesDir, "dashboards.yaml"),
      text.slice(0, text.indexOf("  # The house at a glance")) + text.slice(text.indexOf("  # The story's timeboard")),
    );
    const house = [...api.dashboards.values()].find((d) => d.title === "The house")!;
    const plan = await hearth("plan");
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`keep dashboard/house ${String(house.id)}: its rule is gone; \`hearth datadog apply --prune\` deletes it`);
    const before = api.writes().length;
    const apply = await hearth("apply", ["--prune"]);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain(`- delete dashboard/house ${String(house.id)}  (its rule is gone)`);
    expect(
      api
        .writes()
        .slice(before)
        .map((w) => `${w.method} ${w.path}`),
    ).toEqual([`DELETE /api/v1/dashboard/${String(house.id)}`]);
  });

  it("never touches what was made by hand", () => {
    expect(api.dashboards.get(handMade.dashboard)).toMatchObject({ title: "Made by hand", description: "mine" });
    expect(api.monitors.get(handMade.monitor)).toMatchObject({ name: "hand-made" });
    expect(api.writes().some((w) => w.path.endsWith(`/${handMade.dashboard}`) || w.path.endsWith(`/${handMade.monitor}`))).toBe(false);
  });

  it("names the missing scope on a 403, and the missing key before asking", async () => {
    const refused = await hearth("plan", [], { ...KEYS, DD_APP_KEY: "a-key-without-scopes" });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      "Datadog refused to list dashboards (403 Forbidden: Forbidden): the application key (DD_APP_KEY) needs the dashboards_read scope",
    );
    expect(refused.stderr).not.toContain("a-key-without-scopes");
    const none = await hearth("plan", [], { DD_API_KEY: "test-api-key", DD_APP_KEY: "" });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("set DD_APP_KEY (or datadog.app_key)");
  });

  it("waits out a 429 for X-RateLimit-Reset, saying so, then carries on", async () => {
    api.rateLimited = { count: 1, resetSeconds: 1 };
    const r = await hearth("plan");
    expect(r.stderr).toContain("Datadog's rate limit (monitors) is reached: trying again in 1s");
    expect(r.code).toBe(0);
  });

  it("shows Datadog's 400 against the monitor's rule, before changing anything", async () => {
    editRule("story.yaml", "avg(last_5m):my_metric{*} by {host} > 800", "avg(last_5m):my_metric{*} by {host} > 900");
    const before = api.writes().length;
    api.refuseValidation = true;
    const r = await hearth("apply");
    api.refuseValidation = false;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /story\.yaml:8:5: monitor "my_metric high": Datadog could not validate a monitor \(400: The value provided for parameter 'query' is invalid: invalid operator specified: \)/,
    );
    expect(api.writes().length).toBe(before);
  });
});
