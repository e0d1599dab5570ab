import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "../helpers/cli.js";
import { startDatadogApi, type FakeDatadogApi } from "../helpers/datadog-api.js";
import { writeTestConfig } from "../helpers/hub.js";

/** `hearth downtime add --datadog`: a one-off v2 downtime in the local Datadog API, over HTTPS, through the official client. */

const KEYS = { DD_API_KEY: "test-api-key", DD_APP_KEY: "test-app-key" };
const shipped = Object.fromEntries(fs.readdirSync(path.join(ROOT, "rules")).map((f) => [f, fs.readFileSync(path.join(ROOT, "rules", f), "utf8")]));

let api: FakeDatadogApi;
let dir: { configFile: string; rulesDir: string; dir: string };

async function hearth(args: string[]) {
  const r = await runCli([...args, "--config", dir.configFile, "--rules", dir.rulesDir], {
    env: { DD_SITE: "", NODE_EXTRA_CA_CERTS: api.caFile, ...KEYS },
    timeout: 120_000,
  });
  for (const key of Object.values(KEYS)) expect(r.stdout + r.stderr).not.toContain(key);
  return r;
}

beforeAll(async () => {
  api = await startDatadogApi();
  dir = writeTestConfig({
    config: { datadog: { url: api.url }, notify: { recipients: { household: { datadog_handle: "household@example.com" } } } },
    rules: shipped,
  });
});
afterAll(async () => {
  await api?.close();
  fs.rmSync(dir.dir, { recursive: true, force: true });
});

describe("hearth downtime add --datadog", { timeout: 240_000 }, () => {
  it("schedules a one-off downtime of Hearth's Datadog monitors, tells the household, and prints its address", async () => {
    const before = Date.now();
    const r = await hearth(["downtime", "add", "--datadog", "--for", "3h", "--scope", "host:pve1", "--reason", "moving the rack"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(api.writes().map((w) => `${w.method} ${w.path}`)).toEqual(["POST /api/v2/downtime"]);
    const [stored] = [...api.downtimes.values()];
    const a = stored!.attributes as {
      scope: string;
      monitor_identifier: unknown;
      message: string;
      notify_end_types: string[];
      schedule: { start: string; end: string };
    };
    expect(a.scope).toBe("host:pve1");
    expect(a.monitor_identifier).toEqual({ monitor_tags: ["managed-by:hearth"] });
    expect(a.message).toMatch(/with `hearth downtime add --datadog`: moving the rack\.\n\n@household@example\.com$/);
    expect(a.notify_end_types.sort()).toEqual(["canceled", "expired"]);
    const start = Date.parse(a.schedule.start);
    expect(start).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(a.schedule.end) - start).toBe(3 * 3_600_000);
    expect(r.stdout).toContain(`${api.url}/monitors/downtimes?id=${String(stored!.id)}`);
    expect(r.stdout).toContain("Datadog tells: @household@example.com.");
  });

  it("is left alone by plan, even with --prune: it is not kept in step with the rules", async () => {
    const r = await hearth(["datadog", "plan", "--prune"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("Plan: 4 to create, 0 to change, 0 to delete (0 unchanged).");
    expect(r.stdout).not.toMatch(/keep|delete downtime/);
  });
});
