// The process under test, started by run.js with an IPC channel: either Hearth (the compiled hub
// with the shipped rules and presets) or the baseline (bare aedes handing each message to a
// counter). Both count messages the same way and measure publish→handled latency the same way,
// so the ratio between them is the figure that carries from one machine to another.
//
//   node bench/receiver.js hearth '{"sink":true,"intake":"http://127.0.0.1:PORT"}'
//   node bench/receiver.js aedes '{}'
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import hdr from "hdr-histogram-js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const [mode, rawOpts] = process.argv.slice(2);
const opts = JSON.parse(rawOpts ?? "{}");

let count = 0;
let measuring = false;
const latency = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
const MARK = Buffer.from('"BenchT":');

/** Publish time (ms, performance.timeOrigin-based) the publisher put at the end of the payload. */
function record(payload) {
  const i = payload.lastIndexOf(MARK);
  if (i < 0) return;
  const sent = Number(payload.toString("latin1", i + MARK.length, payload.length - 1));
  const us = Math.round((performance.timeOrigin + performance.now() - sent) * 1000);
  latency.recordValue(Math.max(1, us));
}

let peakRss = 0;
const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage.rss()));
setInterval(sampleRss, 100).unref();
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

const vmHwm = () => {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) * 1024 : undefined;
};

let stop;
let seriesHeld = () => undefined;
let mqttPort;
let httpPort;
let dir;

if (mode === "aedes" || mode === "minimal") {
  // "aedes": bare aedes handing each message to a counter. "minimal": the least a pipeline can
  // do, the reference Hearth's targets were set against: JSON.parse, a Map of last values per
  // series, and every 10 s a gzipped v2 payload POSTed to the intake.
  const { Aedes } = await import("aedes");
  const aedes = await Aedes.createBroker();
  const series = new Map();
  aedes.on("publish", (packet) => {
    if (packet.topic.startsWith("$")) return;
    count++;
    if (mode === "minimal") {
      let p;
      try {
        p = JSON.parse(packet.payload);
      } catch {
        return;
      }
      const energy = p?.ENERGY;
      if (energy && typeof energy === "object") {
        // One map entry per device topic, its fields' last values in it: a series per field.
        let dev = series.get(packet.topic);
        if (!dev) series.set(packet.topic, (dev = { time: 0, fields: {} }));
        dev.time = Date.now();
        for (const k in energy) if (typeof energy[k] === "number") dev.fields[k] = energy[k];
      }
    }
    if (measuring) record(packet.payload);
  });
  if (mode === "minimal" && opts.intake) {
    const http = await import("node:http");
    const zlib = await import("node:zlib");
    setInterval(() => {
      const body = { series: [] };
      for (const [topic, dev] of series)
        for (const [field, value] of Object.entries(dev.fields))
          body.series.push({
            metric: `power.${field.toLowerCase()}`,
            type: 3,
            points: [{ timestamp: Math.floor(dev.time / 1000), value }],
            tags: [`topic:${topic}`],
          });
      const gz = zlib.gzipSync(JSON.stringify(body));
      const req = http.request(
        `${opts.intake}/api/v2/series`,
        { method: "POST", headers: { "content-type": "application/json", "content-encoding": "gzip" } },
        (res) => res.resume(),
      );
      req.on("error", () => undefined);
      req.end(gz);
    }, 10_000).unref();
  }
  if (mode === "minimal") seriesHeld = () => [...series.values()].reduce((n, d) => n + Object.keys(d.fields).length, 0);
  // The socket options of Hearth's own listener (src/mqtt/listeners.ts), so PUBACKs leave as promptly from both.
  const server = net.createServer({ noDelay: true }, aedes.handle);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  mqttPort = server.address().port;
  // The floor for the /healthz probe: an HTTP server in the same process that does nothing else,
  // so a slow answer can be told apart from the probing process waiting for a core.
  const http = await import("node:http");
  const probe = http.createServer((req, res) => res.end(req.url === "/metrics" ? `messages ${count}\n` : '{"status":"ok"}'));
  await new Promise((resolve) => probe.listen(0, "127.0.0.1", resolve));
  httpPort = probe.address().port;
  stop = () =>
    new Promise((resolve) => {
      probe.close();
      server.close();
      aedes.close(() => resolve());
    });
} else {
  const { stringify } = await import("yaml");
  const { pino } = await import("pino");
  const { loadAll } = await import("../dist/src/config/load.js");
  const { checkReferences } = await import("../dist/src/config/references.js");
  const { formatIssue } = await import("../dist/src/config-kit/issues.js");
  const { Hub } = await import("../dist/src/hub.js");
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-bench-"));
  const config = {
    version: 1,
    host: "bench",
    host_ip: "192.0.2.10",
    tags: ["env:home"],
    mqtt: { host: "127.0.0.1", port: 0, allow_anonymous: true },
    http: { host: "127.0.0.1", port: 0 },
    storage: { dir: path.join(dir, "data") },
    log: { level: "warn", format: "json" },
    notify: { recipients: { household: {} } },
    // 10k series of 9 metrics: let every one through to the intake (the shipped cap is 200 per metric).
    forward: { max_series_per_metric: 5000 },
    ...(opts.sink ? { datadog: { api_key: "bench-key", url: opts.intake } } : {}),
  };
  const configFile = path.join(dir, "hearth.yaml");
  fs.writeFileSync(configFile, stringify(config));
  const result = loadAll({ configFile, rulesDir: path.join(root, "rules"), env: {}, check: checkReferences });
  if (!result.ok) throw new Error(result.issues.map(formatIssue).join("\n"));
  const log = pino({ level: "warn", base: undefined }, pino.destination({ dest: 2, sync: false }));
  const hub = await Hub.start({ loaded: result.loaded, log });
  // Counting and latency wrap the pipeline's entry point: when it returns, every sample of the
  // message has been aggregated (handleMessage is synchronous).
  const pipeline = hub.pipeline;
  const handle = pipeline.handleMessage.bind(pipeline);
  pipeline.handleMessage = (topic, payload) => {
    handle(topic, payload);
    count++;
    if (measuring) record(payload);
  };
  mqttPort = hub.broker.port;
  httpPort = hub.http.port;
  seriesHeld = () => pipeline.aggregator.size;
  stop = () => hub.stop();
}

let cpuMark = process.cpuUsage();
let countMark = 0;
process.on("message", async (msg) => {
  switch (msg.cmd) {
    case "mark": {
      // Start of a measured window: counters, CPU and latency restart here.
      cpuMark = process.cpuUsage();
      countMark = count;
      latency.reset();
      loopDelay.reset();
      measuring = msg.latency === true;
      process.send({ cmd: "mark", count });
      break;
    }
    case "stats": {
      sampleRss();
      const cpu = process.cpuUsage(cpuMark);
      const mem = process.memoryUsage();
      process.send({
        cmd: "stats",
        count,
        messages: count - countMark,
        cpuUs: cpu.user + cpu.system,
        rss: mem.rss,
        heapUsed: mem.heapUsed,
        series: seriesHeld(),
        peakRss: Math.max(peakRss, vmHwm() ?? 0),
        latency:
          latency.totalCount > 0
            ? {
                n: latency.totalCount,
                p50: latency.getValueAtPercentile(50) / 1000,
                p99: latency.getValueAtPercentile(99) / 1000,
                max: latency.maxValue / 1000,
              }
            : undefined,
        // The histogram holds each 10 ms timer's whole interval: the delay is what exceeds it.
        loopDelay: {
          p50: Math.max(0, loopDelay.percentile(50) / 1e6 - 10),
          p99: Math.max(0, loopDelay.percentile(99) / 1e6 - 10),
          max: Math.max(0, loopDelay.max / 1e6 - 10),
        },
      });
      break;
    }
    case "gc": {
      globalThis.gc?.();
      break;
    }
    case "snapshot": {
      const v8 = await import("node:v8");
      process.send({ cmd: "snapshot", file: v8.writeHeapSnapshot(path.join(os.tmpdir(), `hearth-${process.pid}.heapsnapshot`)) });
      break;
    }
    case "stop": {
      await stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      process.send({ cmd: "stopped" }, () => process.exit(0));
      break;
    }
  }
});
process.send({ cmd: "ready", port: mqttPort, httpPort, pid: process.pid });
