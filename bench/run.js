// Hearth's pipeline benchmark: publishers → broker → rules/presets → aggregation → store and
// Datadog v2 intake, against a same-run baseline of bare aedes handing each message to a counter.
//
//   npm run bench -- --quick            under a minute: the ratios to check before landing a hot-path change
//   npm run bench                       the full run (1k and 10k series, QoS 0 and 1, 1k/5k/20k msg/s, sink on and off)
//   npm run bench -- --soak --minutes 30 --rate 200    RSS and event-loop delay over time at a house-sized load
//                                                     (--series N, default 900; --store-only: no Datadog sink)
//   add --profile to write a CPU profile of Hearth's throughput phases (bench/profiles/), see profile-top.js;
//   with --quick, --qos 0|1 and --no-latency narrow the run to the phase being profiled
import { fork } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startIntake } from "./intake.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const CONNECTIONS = option("connections", 4);
/** Every Tasmota SENSOR message of a power-metering plug yields 9 series (power.watts, power.voltage, …). */
const SERIES_PER_DEVICE = 9;
const devicesFor = (series) => Math.ceil(series / SERIES_PER_DEVICE);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function child(script, args, execArgv = []) {
  const proc = fork(path.join(here, script), args, { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const waiting = new Map();
  proc.on("message", (m) => {
    const w = waiting.get(m.cmd);
    if (w) {
      waiting.delete(m.cmd);
      w(m);
    }
  });
  const once = (cmd) => new Promise((resolve) => waiting.set(cmd, resolve));
  return {
    proc,
    once,
    ask: (msg, reply = msg.cmd) => {
      const p = once(reply);
      proc.send(msg);
      return p;
    },
  };
}

async function startReceiver(mode, opts = {}, execArgv = []) {
  const r = child("receiver.js", [mode, JSON.stringify(opts)], execArgv);
  const ready = await r.once("ready");
  return { ...r, port: ready.port, httpPort: ready.httpPort, pid: ready.pid, stop: () => r.ask({ cmd: "stop" }, "stopped") };
}

async function startPublisher(port, devices, protocol = 4) {
  const p = child("publisher.js", [String(port), String(CONNECTIONS), String(devices), String(protocol)]);
  await p.once("ready");
  return { ...p, close: () => p.ask({ cmd: "close" }, "closed") };
}

/** Waits until the receiver has taken everything still queued in sockets. */
async function drain(recv) {
  let last = -1;
  for (;;) {
    const { count } = await recv.ask({ cmd: "stats" });
    if (count === last) return;
    last = count;
    await sleep(300);
  }
}

/** One measured window: the publisher runs `command` through a warm-up and the window; the receiver counts the window alone. */
async function measuredWindow(recv, pub, command, seconds, warmup, latency) {
  const sent = pub.ask(command, "done");
  await sleep(warmup * 1000);
  await recv.ask({ cmd: "mark", latency });
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const s = await recv.ask({ cmd: "stats" });
  const elapsed = (performance.now() - t0) / 1000;
  const { last } = await sent;
  await drain(recv);
  return { s, elapsed, rate: s.messages / elapsed, cpuUsPerMsg: s.cpuUs / s.messages, last };
}

/**
 * What a container's health check sees: GET /healthz and /metrics in turn, one at a time, until
 * `until` resolves; the answer times in ms.
 */
async function probeHttp(httpPort, until) {
  const times = [];
  let ownLag = 0;
  let stop = false;
  until.then(() => (stop = true));
  for (let i = 0; !stop; i++) {
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${httpPort}/${i % 2 ? "metrics" : "healthz"}`);
    await res.arrayBuffer();
    times.push(performance.now() - t0);
    const slept = performance.now();
    await sleep(20);
    // The probing process's own lateness: part of an answer time that is not the receiver's.
    ownLag = Math.max(ownLag, performance.now() - slept - 20);
  }
  times.sort((a, b) => a - b);
  return { n: times.length, p99: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))], max: times.at(-1), ownLag };
}

async function throughput(recv, pub, qos, seconds, warmup = 1) {
  const window = measuredWindow(recv, pub, { cmd: "flood", qos, seconds: warmup + seconds + 0.2 }, seconds, warmup, false);
  const http = recv.httpPort && qos === 0 ? probeHttp(recv.httpPort, window) : undefined;
  const { s, elapsed, rate, cpuUsPerMsg, last } = await window;
  return {
    qos,
    rate,
    cpuUsPerMsg,
    cpuCores: s.cpuUs / 1e6 / elapsed,
    peakRss: s.peakRss,
    series: s.series,
    last,
    http: (await http) && { ...(await http), loopDelay: s.loopDelay },
  };
}

async function latency(recv, pub, qos, rate, seconds, warmup = 1) {
  const w = await measuredWindow(recv, pub, { cmd: "rate", qos, rate, seconds: warmup + seconds }, seconds, warmup, true);
  return { qos, target: rate, rate: w.rate, cpuUsPerMsg: w.cpuUsPerMsg, ...w.s.latency, peakRss: w.s.peakRss };
}

/** How long a device's last reading may take to reach the intake: a 10 s flush interval, then the send. */
const ARRIVAL_DEADLINE_MS = 20_000;

/**
 * End to end: waits until the intake holds the last power reading every device published, as
 * this receiver sends it (`kind`: "hearth" or "minimal"). Resolves with how many arrived.
 */
async function lastReadingsArrived(intake, kind, last) {
  const devices = Object.entries(last);
  const missing = () => devices.filter(([name, value]) => intake.lastPower.get(`${kind}:${name}`) !== value);
  const deadline = performance.now() + ARRIVAL_DEADLINE_MS;
  let left = missing();
  while (left.length > 0 && performance.now() < deadline) {
    await sleep(200);
    left = missing();
  }
  return { devices: devices.length, arrived: devices.length - left.length, missing: left.slice(0, 3).map(([name]) => name) };
}

/** The median round by rate (the lower middle one of an even count). */
const median = (rounds) => [...rounds].sort((a, b) => a.rate - b.rate)[Math.floor((rounds.length - 1) / 2)];

const mb = (b) => (b / 1048576).toFixed(0);
const fmt = (n) => Math.round(n).toLocaleString("en-US");
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

function machine() {
  const cpu = os.cpus()[0]?.model ?? "unknown";
  return `${os.cpus().length} × ${cpu}, ${mb(os.totalmem())} MB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

const RECEIVERS = {
  aedes: { label: "aedes + counter", mode: "aedes", baseline: true },
  minimal: { label: "minimal pipeline", mode: "minimal", baseline: true, intakeKind: "minimal" },
  hearth: { label: "Hearth, Datadog sink on", mode: "hearth", sink: true, intakeKind: "hearth" },
  hearth5: { label: "Hearth, Datadog sink on, MQTT 5 publishers", mode: "hearth", sink: true, intakeKind: "hearth", protocol: 5 },
  store: { label: "Hearth, store only", mode: "hearth", sink: false },
};

/**
 * Every receiver of a plan runs at once, each with its own publisher process, and the phases
 * take turns: round after round, each receiver gets the machine to itself for a phase. Slow
 * drifts in the machine's other load then hit the baseline and Hearth alike; the median round
 * of each is reported. After a QoS's last round, every device's last reading is looked for at
 * the intake (end to end), while the other receivers take their turns.
 */
async function measure(series, plan, intake) {
  const started = [];
  for (const name of plan.receivers) {
    const r = RECEIVERS[name];
    const execArgv = [...(r.execArgv ?? []), ...(plan.profile && r.mode === "hearth" ? ["--cpu-prof", "--cpu-prof-dir", path.join(here, "profiles")] : [])];
    const recv = await startReceiver(r.mode, { sink: r.sink ?? false, intake: intake.url }, execArgv);
    const pub = await startPublisher(recv.port, devicesFor(series), r.protocol);
    started.push({ name, ...r, recv, pub, series, rounds: new Map(), arrivals: new Map(), latency: [] });
  }
  // Not measured: every series exists, the first flush has written them, the JIT has warmed up.
  for (const x of started) await throughput(x.recv, x.pub, 0, 1, 0.5);
  for (const qos of plan.qos) {
    const checks = [];
    for (let round = 0; round < plan.rounds; round++)
      for (const x of started) {
        const { last, ...t } = await throughput(x.recv, x.pub, qos, plan.seconds);
        x.rounds.set(qos, [...(x.rounds.get(qos) ?? []), t]);
        if (round === plan.rounds - 1 && x.intakeKind) checks.push(lastReadingsArrived(intake, x.intakeKind, last).then((a) => x.arrivals.set(qos, a)));
      }
    await Promise.all(checks);
  }
  for (const x of started)
    for (const [qos, rate] of x.name === "store" ? plan.latency.filter(([q, r]) => q === 0 && r === 5000) : plan.latency)
      if (!x.baseline || plan.baselineLatency) x.latency.push(await latency(x.recv, x.pub, qos, rate, plan.latencySeconds));
  for (const x of started) {
    const s = await x.recv.ask({ cmd: "stats" });
    x.peakRss = s.peakRss;
    x.seriesHeld = s.series;
    await x.pub.close();
    await x.recv.stop();
  }
  console.error(`  ${fmt(series)} series: done (load ${load()})`);
  return started.map(({ recv, pub, rounds, arrivals, ...rest }) => ({
    ...rest,
    throughput: [...rounds].map(([qos, all]) => {
      const a = arrivals.get(qos);
      const m = median(all);
      // End to end: the messages handled, counted only if the devices' last readings reached the intake.
      const probes = all.filter((r) => r.http).map((r) => r.http);
      const httpAll = probes.length
        ? {
            n: probes.reduce((n, p) => n + p.n, 0),
            p99: Math.max(...probes.map((p) => p.p99)),
            max: Math.max(...probes.map((p) => p.max)),
            loopP99: Math.max(...probes.map((p) => p.loopDelay.p99)),
            loopMax: Math.max(...probes.map((p) => p.loopDelay.max)),
            ownLag: Math.max(...probes.map((p) => p.ownLag)),
          }
        : undefined;
      return {
        ...m,
        rounds: all.map((r) => Math.round(r.rate)),
        arrival: a,
        e2eRate: a ? (m.rate * a.arrived) / a.devices : undefined,
        ...(httpAll ? { httpAll } : {}),
      };
    }),
  }));
}

function report(runs, intake) {
  const lines = [];
  lines.push(`Machine: ${machine()}; load average at the end ${load()}`);
  lines.push("");
  lines.push(
    "Median of rounds. *handled*: messages the receiver's handler returned from; *end to end*: the same, counted only when every device's last reading reached the intake (*last readings*).",
  );
  lines.push("");
  lines.push(
    "| receiver | series | QoS | handled msg/s | × aedes + counter | × minimal pipeline | end to end msg/s | × minimal pipeline | last readings | CPU µs/msg | peak RSS MB |",
  );
  lines.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const run of runs)
    for (const x of run) {
      for (const t of x.throughput) {
        const ratio = (name, of = "rate") => {
          const b = run.find((y) => y.name === name)?.throughput.find((y) => y.qos === t.qos);
          return b?.[of] && t[of] !== undefined && !x.baseline ? `**${(t[of] / b[of]).toFixed(2)}×**` : "";
        };
        const e2e = t.e2eRate !== undefined ? fmt(t.e2eRate) : "";
        const arrived = t.arrival
          ? `${fmt(t.arrival.arrived)}/${fmt(t.arrival.devices)}${t.arrival.missing.length ? ` (missing ${t.arrival.missing.join(", ")}…)` : ""}`
          : "";
        lines.push(
          `| ${x.label} | ${fmt(x.seriesHeld ?? x.series)} | ${t.qos} | ${fmt(t.rate)} | ${ratio("aedes")} | ${ratio("minimal")} | ${e2e} | ${ratio("minimal", "e2eRate")} | ${arrived} | ${t.cpuUsPerMsg.toFixed(1)} | ${mb(x.peakRss)} |`,
        );
      }
    }
  lines.push("");
  lines.push("| receiver | series | QoS | target msg/s | achieved | p50 ms | p99 ms | max ms | CPU µs/msg |");
  lines.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const run of runs)
    for (const x of run)
      for (const l of x.latency)
        lines.push(
          `| ${x.label} | ${fmt(x.seriesHeld ?? x.series)} | ${l.qos} | ${fmt(l.target)} | ${fmt(l.rate)} | ${l.p50?.toFixed(2)} | ${l.p99?.toFixed(2)} | ${l.max?.toFixed(2)} | ${l.cpuUsPerMsg.toFixed(1)} |`,
        );
  const probes = runs.flatMap((run) => run.flatMap((x) => x.throughput.filter((t) => t.http).map((t) => ({ x, t }))));
  if (probes.length) {
    lines.push(
      "",
      "`/healthz` and `/metrics` during the QoS 0 floods (one request at a time, 20 ms apart; p99 of the worst round), beside the receiver's own event-loop delay in the same windows and the probing process's own lateness (its 20 ms sleep overrunning):",
      "",
    );
    lines.push(
      "| receiver | series | requests | p99 ms | max ms | loop delay p99 ms | loop delay max ms | prober late max ms |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const { x, t } of probes)
      lines.push(
        `| ${x.label} | ${fmt(x.seriesHeld ?? x.series)} | ${t.httpAll.n} | ${t.httpAll.p99.toFixed(1)} | ${t.httpAll.max.toFixed(1)} | ${t.httpAll.loopP99.toFixed(1)} | ${t.httpAll.loopMax.toFixed(1)} | ${t.httpAll.ownLag.toFixed(1)} |`,
      );
  }
  for (const run of runs) {
    const [v4, v5] = ["hearth", "hearth5"].map((n) => run.find((x) => x.name === n));
    if (v4 && v5)
      for (const t of v5.throughput)
        lines.push(
          "",
          `MQTT 5 publishers ÷ 3.1.1 publishers, same run, QoS ${t.qos}: **${(t.rate / v4.throughput.find((y) => y.qos === t.qos).rate).toFixed(2)}×**`,
        );
  }
  if (intake) lines.push("", `Intake received ${fmt(intake.counts.requests)} requests, ${fmt(intake.counts.points)} points.`);
  return lines.join("\n");
}

async function soak() {
  const minutes = option("minutes", 10);
  const rate = option("rate", 200);
  const series = option("series", 900);
  const intake = await startIntake();
  const execArgv = flag("profile") ? ["--cpu-prof", "--cpu-prof-dir", path.join(here, "profiles")] : [];
  const recv = await startReceiver("hearth", { sink: !flag("store-only"), intake: intake.url }, execArgv);
  const pub = await startPublisher(recv.port, devicesFor(series));
  const every = Math.max(5, Math.round((minutes * 60) / 30));
  console.log(`Soak: ${rate} msg/s, ${series} series, ${minutes} min, a row every ${every} s. ${machine()}`);
  console.log("| t s | msg | RSS MB | heap MB | loop delay p50 ms | p99 ms | max ms | load |");
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
  const done = pub.ask({ cmd: "rate", qos: 0, rate, seconds: minutes * 60 }, "done");
  const rows = [];
  await recv.ask({ cmd: "mark", latency: true });
  const t0 = performance.now();
  while (performance.now() - t0 < minutes * 60_000) {
    await sleep(every * 1000);
    const s = await recv.ask({ cmd: "stats" });
    rows.push(s);
    console.log(
      `| ${Math.round((performance.now() - t0) / 1000)} | ${fmt(s.count)} | ${mb(s.rss)} | ${mb(s.heapUsed)} | ${s.loopDelay.p50.toFixed(2)} | ${s.loopDelay.p99.toFixed(2)} | ${s.loopDelay.max.toFixed(2)} | ${load()} |`,
    );
    await recv.ask({ cmd: "mark", latency: true });
  }
  await done;
  const half = rows.slice(Math.floor(rows.length / 2));
  console.log(
    `RSS first ${mb(rows[0].rss)} MB, last ${mb(rows.at(-1).rss)} MB, max over the second half ${mb(Math.max(...half.map((r) => r.rss)))} MB; peak ${mb(rows.at(-1).peakRss)} MB. Intake: ${fmt(intake.counts.points)} points.`,
  );
  await pub.close();
  await recv.stop();
  await intake.close();
}

async function main() {
  if (flag("soak")) return soak();
  const quick = flag("quick");
  const profile = flag("profile");
  const intake = await startIntake();
  const t0 = performance.now();
  console.error(`Hearth bench (${quick ? "quick" : "full"}), ${CONNECTIONS} connections. ${machine()}; load ${load()}`);
  const runs = [];
  if (quick) {
    const qos = argv.includes("--qos") ? [option("qos", 0)] : [0, 1];
    // 11 s at 5k msg/s: every latency window holds one of the 10 s aggregation flushes.
    const latency = flag("no-latency") ? [] : [[0, 5000]];
    for (const series of [1000, 10_000])
      runs.push(
        await measure(
          series,
          { receivers: ["aedes", "minimal", "hearth", "hearth5"], rounds: 3, qos, seconds: 2, latency, latencySeconds: 11, profile },
          intake,
        ),
      );
  } else {
    const latency = [
      [0, 1000],
      [0, 5000],
      [0, 20_000],
      [1, 5000],
    ];
    for (const series of [1000, 10_000])
      runs.push(
        await measure(
          series,
          {
            receivers: ["aedes", "minimal", "hearth", "hearth5", "store"],
            rounds: 3,
            qos: [0, 1],
            seconds: 5,
            latency,
            latencySeconds: 11,
            baselineLatency: series === 10_000,
            profile,
          },
          intake,
        ),
      );
  }
  console.log(report(runs, intake));
  console.log(`\n(${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  const file = path.join(os.tmpdir(), `hearth-bench-${Date.now()}.json`);
  fs.writeFileSync(file, JSON.stringify({ machine: machine(), load: os.loadavg(), runs }, null, 2));
  console.log(`Raw figures: ${file}`);
  await intake.close();
}

await main();
