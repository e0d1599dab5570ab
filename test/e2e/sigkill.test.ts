import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { startIntake, type DatadogIntake } from "../helpers/datadog-intake.js";
import { writeTestConfig } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { waitFor } from "../helpers/wait.js";
import { queryStore } from "../helpers/store.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = path.join(ROOT, "dist/src/cli/main.js");

/** `hearth start` as a child process, its JSON log lines collected. */
class Hearth {
  readonly logs: Record<string, unknown>[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  constructor(configFile: string, rulesDir: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, [CLI, "start", "--config", configFile, "--rules", rulesDir, "--no-live"], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let buffered = "";
    this.child.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) if (line.trim()) this.logs.push(JSON.parse(line) as Record<string, unknown>);
    });
    this.child.stderr!.on("data", (chunk: Buffer) => process.stderr.write(chunk));
    this.exited = new Promise((resolve) => this.child.once("exit", (code, signal) => resolve({ code, signal })));
  }

  async running(): Promise<{ mqtt: number; http: number }> {
    const line = await waitFor(() => this.logs.find((l) => l.msg === "Hearth is running"), "Hearth to start", 30_000);
    return { mqtt: line.mqtt_port as number, http: line.http_port as number };
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

interface StoredRow {
  metric: string;
  tags: string;
  time: number;
  value: number;
}

/** What the store holds. */
const storedPoints = (dir: string) =>
  queryStore<StoredRow>(dir, "SELECT s.metric, s.tags, p.time, p.value FROM points p JOIN series s ON s.id = p.series_id ORDER BY p.id");

describe("a Hearth killed with SIGKILL", () => {
  let intake: DatadogIntake | undefined;
  const children: Hearth[] = [];
  afterAll(async () => {
    for (const c of children) c.kill("SIGKILL");
    await intake?.stop();
  });

  it("delivers every point it had stored once it runs again, and stops cleanly on SIGTERM", { timeout: 120_000 }, async () => {
    expect(fs.existsSync(CLI), `${CLI} is missing: run \`npm run build\` (npm test does it first)`).toBe(true);
    intake = await startIntake({ apiKeys: ["key-from-the-environment"] });
    await intake.stop(); // the internet is down: the port answers nothing
    const { dir, configFile, rulesDir } = writeTestConfig({
      config: {
        log: { level: "info", format: "json" },
        pipeline: { flush_interval: "500ms" },
        datadog: { api_key: "${DD_API_KEY}", url: intake.url },
        forward: { backoff: { min: "100ms", max: "500ms" } },
      },
      rules: { "meters.yaml": { version: 1, mappings: [{ topic: "meter/+device/power", metric: "power.watts", unit: "W", tags: ["device:{device}"] }] } },
    });
    const env = { DD_API_KEY: "key-from-the-environment" };

    const first = new Hearth(configFile, rulesDir, env);
    children.push(first);
    const ports = await first.running();
    const mqtt = await connectMqtt(`mqtt://127.0.0.1:${ports.mqtt}`);
    for (let round = 0; round < 3; round++) {
      for (let d = 0; d < 5; d++) await mqtt.publishAsync(`meter/plug${d}/power`, String(100 * d + round), { qos: 1 });
      await new Promise((r) => setTimeout(r, 600));
    }
    await mqtt.endAsync();
    await waitFor(async () => {
      const history = (await (await fetch(`http://127.0.0.1:${ports.http}/api/series?metric=power.watts&from=1h`)).json()) as {
        series: { points: unknown[] }[];
      };
      return history.series.length === 5 && history.series.reduce((n, s) => n + s.points.length, 0) === 15;
    }, "all 15 points in the store");
    first.kill("SIGKILL");
    expect(await first.exited).toEqual({ code: null, signal: "SIGKILL" });

    const stored = storedPoints(dir);
    expect(stored).toHaveLength(15);
    expect(intake.points).toEqual([]);

    await intake.start();
    const second = new Hearth(configFile, rulesDir, env);
    children.push(second);
    const again = await second.running();
    await waitFor(() => intake!.points.length >= 15, "every stored point at the intake", 30_000);
    const key = (metric: string, tags: string[], seconds: number, value: number) => `${metric}{${tags.join(",")}}@${seconds}=${value}`;
    const arrived = intake.points.map((p) => key(p.metric, p.tags, p.timestamp, p.value));
    for (const row of stored) {
      const k = key(row.metric, JSON.parse(row.tags) as string[], Math.floor(row.time / 1000), row.value);
      const times = arrived.filter((a) => a === k).length;
      expect(times, k).toBeGreaterThanOrEqual(1);
      expect(times, k).toBeLessThanOrEqual(2);
    }
    expect(intake.points.every((p) => p.host === "test-host" && p.type === 3)).toBe(true);

    // A clean stop: the last samples are flushed to the store and sent before the process exits 0.
    const client = await connectMqtt(`mqtt://127.0.0.1:${again.mqtt}`);
    await client.publishAsync("meter/plug9/power", "999", { qos: 1 });
    await client.endAsync();
    await waitFor(async () => {
      const live = (await (await fetch(`http://127.0.0.1:${again.http}/api/series?metric=power.watts`)).json()) as { series: { tags: string[] }[] };
      return live.series.some((s) => s.tags.includes("device:plug9"));
    }, "the last sample in the hub");
    second.kill("SIGTERM");
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(intake.points.some((p) => p.tags.includes("device:plug9") && p.value === 999)).toBe(true);
    expect(second.logs.some((l) => l.msg === "Hearth stopped")).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
