import { Writable } from "node:stream";
import { headlineRank } from "../http/headlines.js";
import type { Hub } from "../hub.js";
import { formatNumber } from "../readable-number.js";

/** Keeps the last log lines in memory, so a live screen can show them under its table. */
export class LogTail extends Writable {
  readonly lines: string[] = [];

  constructor(private readonly keep = 6) {
    super();
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString().split("\n")) if (line.trim()) this.lines.push(line);
    this.lines.splice(0, Math.max(0, this.lines.length - this.keep));
    done();
  }
}

const age = (ms: number) => (ms < 90_000 ? `${Math.round(ms / 1000)}s` : `${Math.round(ms / 60_000)}m`);

/**
 * The demo's terminal view: every series that arrives, refreshed every two seconds, with the
 * ports to point a client at and the latest log lines underneath.
 */
export function startLiveSummary(hub: Hub, tail: LogTail, out: NodeJS.WriteStream = process.stdout): () => void {
  const draw = () => {
    const rows = out.rows || 40;
    const now = Date.now();
    const series = hub.pipeline.aggregator
      .view()
      .sort((a, b) => headlineRank(a.metric) - headlineRank(b.metric) || a.metric.localeCompare(b.metric) || a.tags.join().localeCompare(b.tags.join()));
    const mqtt = hub.broker.port;
    const http = hub.http.port;
    const header = [
      `\x1b[1mHearth demo\x1b[0m  status ${hub.health.status()}  ·  ${series.length} series  ·  Ctrl-C to stop`,
      `MQTT  mqtt://127.0.0.1:${mqtt}   (watch: mosquitto_sub -p ${mqtt} -t '#' -v)`,
      `Web   http://127.0.0.1:${http}/   ·   http://127.0.0.1:${http}/api/series   ·   /metrics`,
      "",
    ];
    const budget = Math.max(3, rows - header.length - tail.lines.length - 3);
    const width = Math.min(28, Math.max(6, ...series.map((s) => s.metric.length)));
    const table = series.slice(0, budget).map((s) => {
      const value = `${formatNumber(s.last.value)}${s.unit ? ` ${s.unit}` : ""}`;
      return `${s.metric.padEnd(width)}  ${value.padStart(12)}  ${age(now - s.last.time).padStart(4)}  ${s.tags.join(" ")}`;
    });
    if (series.length > budget) table.push(`… and ${series.length - budget} more (see the status page)`);
    const screen = [...header, ...table, "", "\x1b[2mlog\x1b[0m", ...tail.lines.map((l) => l.slice(0, (out.columns || 120) - 1))];
    out.write(`\x1b[H\x1b[2J${screen.join("\n")}\n`);
  };
  draw();
  const timer = setInterval(draw, 2000);
  return () => clearInterval(timer);
}
