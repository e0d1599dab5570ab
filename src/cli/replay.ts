import fs from "node:fs";
import type { Command } from "commander";
import { DateTime } from "luxon";
import type { AlertEvent } from "../alerts/events.js";
import { EXIT } from "./exit.js";
import { CONFIG_OPTION, RULES_OPTION, type ConfigOptions } from "./options.js";

interface ReplayOptions extends ConfigOptions {
  input: string;
  from?: string;
  until?: string;
}

/** An ISO time for --from/--until; without an offset it is UTC. */
function parseInstant(text: string): number | undefined {
  const dt = DateTime.fromISO(text, { zone: "UTC" });
  return dt.isValid ? dt.toMillis() : undefined;
}

export function registerReplay(program: Command): void {
  program
    .command("replay")
    .description(
      "Replay recorded MQTT messages and samples through the rules, monitors and calendars on a simulated clock; prints transitions, notifications and downtime events as JSON lines and sends nothing",
    )
    .requiredOption("--input <file>", "JSON lines: MQTT messages {t, topic, payload} and samples {t, metric, value, tags}, in any order")
    .option("--from <iso>", "start of the simulated clock (default: the first line's time)")
    .option("--until <iso>", "end (default: the last line's time plus the longest no-data or `for` duration)")
    .option(...CONFIG_OPTION)
    .option(...RULES_OPTION)
    .addHelpText(
      "after",
      '\nInput lines:\n  {"t":"2026-01-05T19:00:00Z","topic":"tele/stove_plug/SENSOR","payload":"{\\"ENERGY\\":{\\"Power\\":1850}}"}\n  {"t":"2026-01-05T19:00:05Z","metric":"my_metric","value":812,"tags":["host:dd-ubuntu20"]}\n\nExamples:\n  hearth replay --input yesterday.jsonl\n  hearth replay --input week.jsonl --from 2026-01-05T00:00:00Z --until 2026-01-12T00:00:00Z | jq \'select(.type=="notification")\'',
    )
    .action(async (opts: ReplayOptions, cmd: Command) => {
      const from = opts.from === undefined ? undefined : parseInstant(opts.from);
      const until = opts.until === undefined ? undefined : parseInstant(opts.until);
      if (opts.from !== undefined && from === undefined) cmd.error(`error: --from "${opts.from}" is not an ISO 8601 time`, { exitCode: EXIT.usage });
      if (opts.until !== undefined && until === undefined) cmd.error(`error: --until "${opts.until}" is not an ISO 8601 time`, { exitCode: EXIT.usage });
      if (from !== undefined && until !== undefined && until < from) cmd.error("error: --until is before --from", { exitCode: EXIT.usage });
      const [{ loadOrReport }, { parseReplayInput }, { replay }, { formatIssue }, { ERRORS }, { createLogger }, { pino }] = await Promise.all([
        import("./load.js"),
        import("../alerts/replay-input.js"),
        import("../assembly/replay.js"),
        import("../config-kit/issues.js"),
        import("../kit/errors.js"),
        import("../kit/log.js"),
        import("pino"),
      ]);
      const loaded = loadOrReport(opts);
      if (!loaded) {
        process.exitCode = EXIT.invalid;
        return;
      }
      let text: string;
      try {
        text = fs.readFileSync(opts.input, "utf8");
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        process.stderr.write(`hearth: cannot read --input ${opts.input}: ${code === "ENOENT" ? "file not found" : code}\n`);
        process.exitCode = EXIT.invalid;
        return;
      }
      const { lines, issues } = parseReplayInput(text, opts.input);
      if (issues.length || (lines.length === 0 && from === undefined)) {
        for (const issue of issues) process.stderr.write(`${formatIssue(issue)}\n`);
        const why = issues.length ? `${issues.length} bad line${issues.length === 1 ? "" : "s"} in ${opts.input}` : `${opts.input} holds no lines`;
        process.stderr.write(`hearth: ${why} (HEARTH_E_REPLAY_INPUT: ${ERRORS.HEARTH_E_REPLAY_INPUT.fix})\n`);
        process.exitCode = EXIT.invalid;
        return;
      }
      const log = createLogger({ level: "warn", format: "json", destination: pino.destination({ dest: 2, sync: true }) });
      const counts = { transition: 0, notification: 0, muted: 0, downtime: 0, acknowledgement: 0 };
      const out: string[] = [];
      const emit = (e: AlertEvent) => {
        counts[e.type]++;
        if (e.type === "notification" && e.muted) counts.muted++;
        out.push(JSON.stringify(e));
        if (out.length >= 512) process.stdout.write(`${out.splice(0).join("\n")}\n`);
      };
      const summary = replay(loaded, lines, { ...(from !== undefined ? { from } : {}), ...(until !== undefined ? { until } : {}) }, emit, log);
      if (out.length) process.stdout.write(`${out.join("\n")}\n`);
      const iso = (ms: number) => new Date(ms).toISOString();
      process.stderr.write(
        `hearth replay: ${summary.fed} lines from ${iso(summary.from)} to ${iso(summary.until)}${summary.skipped ? ` (${summary.skipped} outside that range skipped)` : ""}: ${counts.transition} transitions, ${counts.notification} notifications (${counts.muted} muted), ${counts.downtime} downtime events; nothing was sent\n`,
      );
      process.exitCode = EXIT.ok;
    });
}
