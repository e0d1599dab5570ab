import { pino, type Logger, type DestinationStream } from "pino";
import pretty from "pino-pretty";

export type { Logger };

type LogFormat = "json" | "pretty" | "auto";

interface LogOptions {
  level?: string;
  format?: LogFormat;
  /** Pretty lines on one line each, for a screen that shows the last few. */
  singleLine?: boolean;
  /** Where lines go; stdout when absent. */
  destination?: DestinationStream;
}

/**
 * Keys that hold secrets anywhere in a logged object. Secrets come from the environment or
 * files and must never reach a log line, even when a whole config section is logged by mistake.
 */
const SECRET_KEYS = ["password", "pass", "api_key", "apiKey", "app_key", "appKey", "token", "secret", "authorization", "Authorization"];
const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]);

/**
 * The root logger. JSON lines by default (what a container log driver wants); coloured,
 * human-readable lines when `format` is `pretty`, or `auto` on a terminal.
 */
export function createLogger(options: LogOptions = {}): Logger {
  const format = options.format ?? "auto";
  const usePretty = format === "pretty" || (format === "auto" && process.stdout.isTTY === true);
  const base = {
    level: options.level ?? process.env.HEARTH_LOG_LEVEL ?? "info",
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (usePretty) {
    const stream = pretty({
      colorize: process.stdout.isTTY === true,
      ignore: "pid,hostname",
      translateTime: "SYS:HH:MM:ss",
      singleLine: options.singleLine === true,
      destination: options.destination ?? 1,
      sync: true,
    });
    return pino(base, stream);
  }
  return options.destination ? pino(base, options.destination) : pino(base);
}

/** A logger that drops everything, for tests and tools that report through their own output. */
export const silentLogger = (): Logger => pino({ level: "silent" });

/**
 * Logs at most `perWindow` lines per key in each window and then one summary of how many were
 * suppressed, so a flood of garbage payloads cannot flood the log.
 */
export class RateLimitedLog {
  private windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly now: () => number,
    private readonly perWindow = 5,
    private readonly windowMs = 60_000,
  ) {}

  /** True when a line for `key` may be written now; `suppressed` says how many were held back before. */
  allow(key: string): { ok: boolean; suppressed: number } {
    const t = this.now();
    const w = this.windows.get(key);
    if (!w || t - w.start >= this.windowMs) {
      const suppressed = w ? Math.max(0, w.count - this.perWindow) : 0;
      this.windows.set(key, { start: t, count: 1 });
      return { ok: true, suppressed };
    }
    w.count++;
    return { ok: w.count <= this.perWindow, suppressed: 0 };
  }
}
