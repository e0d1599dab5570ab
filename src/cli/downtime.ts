import type { Command } from "commander";
import { DateTime } from "luxon";
import { CalendarSchedule, mutesMonitor } from "../alerts/calendar.js";
import { previewCalendar } from "../alerts/preview.js";
import { systemClock } from "../clock.js";
import { EXIT } from "./exit.js";
import { CONFIG_OPTION, RULES_OPTION, loadOrReport, type ConfigOptions } from "./load.js";

interface PreviewOptions extends ConfigOptions {
  from?: string;
  days: string;
}

const DAY_MS = 86_400_000;

export function registerDowntime(program: Command): void {
  const downtime = program.command("downtime").description("Downtime calendars: when monitors are muted");
  downtime
    .command("preview")
    .description("Print every calendar's windows in its local time and in UTC, merged as they apply (daylight-saving changes included)")
    .option("--from <date>", "first day, YYYY-MM-DD (or a date and time) in each calendar's time zone; default now")
    .option("--days <n>", "how many days to show", "7")
    .option(...CONFIG_OPTION)
    .option(...RULES_OPTION)
    .addHelpText("after", "\nExamples:\n  hearth downtime preview\n  hearth downtime preview --from 2026-03-27 --days 4")
    .action((opts: PreviewOptions, cmd: Command) => {
      const days = Number(opts.days);
      if (!Number.isInteger(days) || days < 1 || days > 366) cmd.error(`error: --days must be a whole number from 1 to 366, got "${opts.days}"`, { exitCode: EXIT.usage });
      if (opts.from !== undefined && !DateTime.fromISO(opts.from, { zone: "UTC" }).isValid) cmd.error(`error: --from "${opts.from}" is not a date (YYYY-MM-DD) or an ISO 8601 time`, { exitCode: EXIT.usage });
      const loaded = loadOrReport(opts);
      if (!loaded) {
        process.exitCode = EXIT.invalid;
        return;
      }
      const { calendars, monitors } = loaded.rules;
      if (calendars.length === 0) {
        process.stdout.write(`No downtime calendars in ${opts.rules}.\n`);
        process.exitCode = EXIT.ok;
        return;
      }
      const blocks = calendars.map((def) => {
        const cal = new CalendarSchedule(def);
        const from = opts.from === undefined ? systemClock.now() : DateTime.fromISO(opts.from, { zone: def.timezone }).toMillis();
        const mutes = monitors.filter((m) => mutesMonitor(def, m)).map((m) => m.name);
        return previewCalendar(cal, from, from + days * DAY_MS, mutes);
      });
      process.stdout.write(`${blocks.join("\n\n")}\n`);
      process.exitCode = EXIT.ok;
    });
}
