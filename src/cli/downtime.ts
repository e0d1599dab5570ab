import type { Command } from "commander";
import { DateTime } from "luxon";
import type { AlertView, DowntimeView } from "../alerts/alert-views.js";
import type { OneOffView } from "../alerts/one-off.js";
import { EXIT } from "./exit.js";
import { asker, askerZone, callHub, hubAddress } from "./hub-client.js";
import { CONFIG_OPTION, RULES_OPTION, type ConfigOptions } from "./options.js";
import { durationOption, oneOffLine, talkToHub, told } from "./quiet.js";

interface PreviewOptions extends ConfigOptions {
  from?: string;
  days: string;
}

interface AddOptions extends ConfigOptions {
  for: string;
  scope?: string;
  reason?: string;
  datadog?: boolean;
}

const DAY_MS = 86_400_000;

const local = (iso: string) => DateTime.fromISO(iso, { setZone: true }).toFormat("ccc yyyy-LL-dd HH:mm ZZ");

/** What `hearth downtime list` prints: snoozes and one-off downtimes, the calendars now and next, acknowledgements. */
function listing(oneOffs: OneOffView[], calendars: DowntimeView[], alerts: AlertView[]): string {
  const out = [oneOffs.length ? `Snoozes and one-off downtimes:\n${oneOffs.map(oneOffLine).join("\n")}` : "No snooze or one-off downtime is in force."];
  if (calendars.length) {
    out.push(
      `Calendars:\n${calendars
        .map((c) => {
          const next = c.windows.find((w) => !c.active || w.start !== c.active.start);
          const now = c.active ? `in force until ${local(c.active.end_local)}` : "not in force";
          return `  ${c.name} (${c.timezone}): ${now}${next ? `; next ${local(next.start_local)} → ${local(next.end_local)}` : ""}`;
        })
        .join("\n")}`,
    );
  }
  const acked = alerts.filter((a) => a.acknowledged_at);
  if (acked.length)
    out.push(
      `Acknowledged:\n${acked.map((a) => `  ${a.monitor}${a.group === "*" ? "" : ` {${a.group}}`}: ${a.state} since ${a.since}, acknowledged ${a.acknowledged_at}${a.acknowledged_by ? ` by ${a.acknowledged_by}` : ""}`).join("\n")}`,
    );
  return out.join("\n\n");
}

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
    .action(async (opts: PreviewOptions, cmd: Command) => {
      const days = Number(opts.days);
      if (!Number.isInteger(days) || days < 1 || days > 366)
        cmd.error(`error: --days must be a whole number from 1 to 366, got "${opts.days}"`, { exitCode: EXIT.usage });
      if (opts.from !== undefined && !DateTime.fromISO(opts.from, { zone: "UTC" }).isValid)
        cmd.error(`error: --from "${opts.from}" is not a date (YYYY-MM-DD) or an ISO 8601 time`, { exitCode: EXIT.usage });
      const [{ loadOrReport }, { CalendarSchedule, mutesMonitor }, { previewCalendar }] = await Promise.all([
        import("./load.js"),
        import("../alerts/calendar.js"),
        import("../alerts/preview.js"),
      ]);
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
        const from = opts.from === undefined ? Date.now() : DateTime.fromISO(opts.from, { zone: def.timezone }).toMillis();
        const mutes = monitors.filter((m) => mutesMonitor(def, m)).map((m) => m.name);
        return previewCalendar(cal, from, from + days * DAY_MS, mutes);
      });
      process.stdout.write(`${blocks.join("\n\n")}\n`);
      process.exitCode = EXIT.ok;
    });
  downtime
    .command("add")
    .description(
      "Mute every monitor (or the groups carrying given tags) for a while, on the running hub; the monitors' recipients are told, and what is still not OK at the end notifies then",
    )
    .requiredOption("--for <duration>", "how long: 30m, 3h, 1d")
    .option("--scope <tags>", "only groups carrying all these tags, comma-separated: room:kitchen,appliance:stove")
    .option("--reason <text>", "why, for the announcement and `hearth downtime list`")
    .option("--datadog", "set it in Datadog instead, for the monitors Datadog evaluates (needs DD_API_KEY and DD_APP_KEY; the hub is not asked)")
    .option(...CONFIG_OPTION)
    .option(...RULES_OPTION)
    .addHelpText(
      "after",
      '\nExamples:\n  hearth downtime add --for 3h --reason "moving the rack"\n  hearth downtime add --for 1d --scope tank:tank1\n  hearth downtime add --datadog --for 2h --scope host:pve1',
    )
    .action(async (opts: AddOptions, cmd: Command) => {
      const forText = durationOption(opts.for, (message) => cmd.error(message, { exitCode: EXIT.usage }));
      if (opts.datadog) {
        const { addDatadogDowntime } = await import("./downtime-datadog.js");
        process.exitCode = await addDatadogDowntime(opts);
        return;
      }
      await talkToHub(async () => {
        const body = {
          for: forText,
          ...(opts.scope ? { scope: opts.scope } : {}),
          ...(opts.reason ? { reason: opts.reason } : {}),
          by: asker(),
          timezone: askerZone(),
        };
        const { downtime: d } = await callHub<{ downtime: OneOffView }>(await hubAddress(opts.config), "POST", "/api/downtimes", body);
        return `Downtime set:\n${oneOffLine(d)}\n${told(d.recipients)}`;
      });
    });
  downtime
    .command("list")
    .description("What is quiet on the running hub: snoozes and one-off downtimes (with their ids), calendars in force and next, acknowledged alerts")
    .option(...CONFIG_OPTION)
    .action(async (opts: { config: string }) => {
      await talkToHub(async () => {
        const hub = await hubAddress(opts.config);
        const { calendars, one_offs } = await callHub<{ calendars: DowntimeView[]; one_offs: OneOffView[] }>(hub, "GET", "/api/downtimes?days=7");
        const { alerts } = await callHub<{ alerts: AlertView[] }>(hub, "GET", "/api/alerts");
        return listing(one_offs, calendars, alerts);
      });
    });
  downtime
    .command("cancel")
    .description("End a snooze or one-off downtime now (its id from `hearth downtime list`); monitors it muted that are still not OK notify at once")
    .argument("<id>", "the snooze's or downtime's id")
    .option(...CONFIG_OPTION)
    .action(async (id: string, opts: { config: string }) => {
      await talkToHub(async () => {
        const { canceled } = await callHub<{ canceled: OneOffView }>(await hubAddress(opts.config), "DELETE", `/api/downtimes/${encodeURIComponent(id)}`);
        return `Canceled:\n${oneOffLine(canceled)}`;
      });
    });
}
