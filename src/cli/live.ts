import { Writable } from "node:stream";
import { headlineRank } from "../http/headlines.js";
import type { Hub } from "../hub.js";
import { formatNumber } from "../kit/readable-number.js";

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

const clockTime = (ms: number) => new Date(ms).toLocaleString("en-GB", { weekday: "short", hour: "2-digit", minute: "2-digit", second: "2-digit" });
const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
const STATE_COLOUR: Record<string, string> = { OK: "32", WARN: "33", NO_DATA: "33", ALERT: "31;1" };

/**
 * The demo's terminal view: the story's time, the alerts and what the phone received, then the
 * series and the latest log lines, cut to the window so the title line never scrolls away.
 */
export function startLiveSummary(hub: Hub, tail: LogTail, out: NodeJS.WriteStream = process.stdout): () => void {
  const draw = () => {
    const rows = Math.max(10, out.rows || 40);
    const columns = Math.max(40, out.columns || 120);
    const now = hub.now;
    const series = hub.pipeline.aggregator
      .view()
      .sort((a, b) => headlineRank(a.metric) - headlineRank(b.metric) || a.metric.localeCompare(b.metric) || a.tags.join().localeCompare(b.tags.join()));
    const mqtt = hub.broker.port;
    const http = hub.http.port;
    const header = [
      `\x1b[1mHearth demo\x1b[0m  story time \x1b[1m${clockTime(now)}\x1b[0m ${ZONE}  ·  status ${hub.health.status()}  ·  ${series.length} series  ·  Ctrl-C to stop`,
      `Web   http://127.0.0.1:${http}/  (the status page)   ·   MQTT mqtt://127.0.0.1:${mqtt}  (mosquitto_sub -p ${mqtt} -t '#' -v)`,
      "",
    ];
    const alerts = hub.alerts.alerts();
    const alertLines = [
      "\x1b[1malerts\x1b[0m",
      ...(alerts.length ? alerts : [undefined]).map((a) =>
        a
          ? `  \x1b[${STATE_COLOUR[a.state] ?? "0"}m${a.state.padEnd(7)}\x1b[0m ${a.monitor}${a.group === "*" ? "" : ` {${a.group}}`}${a.value === null ? "" : `  ${formatNumber(a.value)}`}${a.muted ? `  \x1b[2mmuted by ${a.muted_by}\x1b[0m` : ""}`
          : "  \x1b[2mno monitor has data yet\x1b[0m",
      ),
    ];
    const phone = hub.phone?.messages.slice(-3).reverse() ?? [];
    const phoneLines = phone.length
      ? [
          "\x1b[1mphone\x1b[0m (the demo's notifications, by webhook)",
          ...phone.map((m) => `  ${clockTime(m.at)}  ${m.title}  \x1b[2m${m.message.replace(/\s+/g, " ")}\x1b[0m`),
        ]
      : [];
    const logLines = ["\x1b[2mlog\x1b[0m", ...tail.lines.slice(-4)];
    const fixed = header.length + alertLines.length + (phoneLines.length ? phoneLines.length + 1 : 0) + 1 + logLines.length + 1;
    const budget = Math.max(0, rows - 1 - fixed - 1);
    const width = Math.min(28, Math.max(6, ...series.map((s) => s.metric.length)));
    const table = series.slice(0, budget).map((s) => {
      const value = `${formatNumber(s.last.value)}${s.unit ? ` ${s.unit}` : ""}`;
      return `${s.metric.padEnd(width)}  ${value.padStart(12)}  ${age(now - s.last.time).padStart(4)}  ${s.tags.join(" ")}`;
    });
    if (series.length > budget && budget > 0) table[budget - 1] = `… and ${series.length - budget + 1} more on the status page`;
    const screen = [...header, ...alertLines, ...(phoneLines.length ? ["", ...phoneLines] : []), "", ...table, "", ...logLines].slice(0, rows - 1);
    out.write(`\x1b[H\x1b[2J${screen.map((l) => cut(l, columns - 1)).join("\n")}\n`);
  };
  draw();
  const timer = setInterval(draw, 1000);
  return () => clearInterval(timer);
}

/** Cuts a line to `width` visible characters, leaving colour codes whole. */
function cut(line: string, width: number): string {
  let visible = 0;
  let out = "";
  for (let i = 0; i < line.length; i++) {
    if (line[i] === "\x1b") {
      const end = line.indexOf("m", i);
      out += line.slice(i, end + 1);
      i = end;
      continue;
    }
    if (visible >= width) continue;
    out += line[i];
    visible++;
  }
  return out;
}
