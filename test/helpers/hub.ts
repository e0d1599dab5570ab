import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { stringify } from "yaml";
import { formatIssue } from "../../src/config-kit/issues.js";
import { loadAll, type Loaded } from "../../src/config/load.js";
import { checkReferences } from "../../src/config/references.js";
import { Hub } from "../../src/hub.js";
import type { Clock } from "../../src/kit/clock.js";
import type { Sample } from "../../src/pipeline/sample.js";

/** Log lines a test can look at: each pino line parsed. */
export class LogCapture extends Writable {
  readonly entries: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString().split("\n")) if (line.trim()) this.entries.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
  find(pred: (e: Record<string, unknown>) => boolean) {
    return this.entries.find(pred);
  }
}

export interface TestHubOptions {
  /** Merged over a base that binds every listener to 127.0.0.1 on port 0 and allows anonymous MQTT. */
  config?: Record<string, unknown>;
  /** Rules files by name: YAML text or an object. Default: the Tasmota preset. */
  rules?: Record<string, string | Record<string, unknown>>;
  env?: Record<string, string>;
  clock?: Clock;
  dir?: string;
}

export interface TestHub {
  hub: Hub;
  dir: string;
  configFile: string;
  rulesDir: string;
  mqttPort: number;
  mqttUrl: string;
  httpUrl: string;
  logs: LogCapture;
  samples: Sample[];
  stop(): Promise<void>;
}

const merge = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      typeof v === "object" && v !== null && !Array.isArray(v) && typeof prev === "object" && prev !== null && !Array.isArray(prev)
        ? merge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
};

export function writeTestConfig(opts: TestHubOptions = {}): { dir: string; configFile: string; rulesDir: string } {
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "hearth-test-"));
  const base = {
    version: 1,
    host: "test-host",
    host_ip: "192.0.2.10",
    mqtt: { host: "127.0.0.1", port: 0, allow_anonymous: true },
    http: { host: "127.0.0.1", port: 0 },
    storage: { dir: path.join(dir, "data") },
    log: { level: "debug", format: "json" },
  };
  const configFile = path.join(dir, "hearth.yaml");
  fs.writeFileSync(configFile, stringify(merge(base, opts.config ?? {})));
  const rulesDir = path.join(dir, "rules");
  fs.mkdirSync(rulesDir, { recursive: true });
  for (const [name, body] of Object.entries(opts.rules ?? { "presets.yaml": { version: 1, presets: ["tasmota"] } })) {
    fs.writeFileSync(path.join(rulesDir, name), typeof body === "string" ? body : stringify(body));
  }
  return { dir, configFile, rulesDir };
}

export function loadTestConfig(configFile: string, rulesDir: string, env: Record<string, string> = {}): Loaded {
  const result = loadAll({ configFile, rulesDir, env, check: checkReferences });
  if (!result.ok) throw new Error(`test configuration is invalid:\n${result.issues.map(formatIssue).join("\n")}`);
  return result.loaded;
}

/** A real hub in this process: real broker and HTTP server on ephemeral ports, logs captured. */
export async function startTestHub(opts: TestHubOptions = {}): Promise<TestHub> {
  const { dir, configFile, rulesDir } = writeTestConfig(opts);
  const loaded = loadTestConfig(configFile, rulesDir, opts.env);
  const logs = new LogCapture();
  const log = pino({ level: "debug", base: undefined }, logs);
  const hub = await Hub.start({ loaded, log, ...(opts.clock ? { clock: opts.clock } : {}) });
  const samples: Sample[] = [];
  hub.pipeline.onSample((s) => samples.push(s));
  const mqttPort = hub.broker.port!;
  return {
    hub,
    dir,
    configFile,
    rulesDir,
    mqttPort,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    httpUrl: `http://127.0.0.1:${hub.http.port}`,
    logs,
    samples,
    stop: async () => {
      await hub.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
