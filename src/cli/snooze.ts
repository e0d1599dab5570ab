import type { Command } from "commander";
import type { OneOffView } from "../alerts/one-off.js";
import { EXIT } from "./exit.js";
import { asker, askerZone, callHub, hubAddress } from "./hub-client.js";
import { CONFIG_OPTION } from "./options.js";
import { durationOption, oneOffLine, talkToHub, told } from "./quiet.js";

interface SnoozeOptions {
  config: string;
  for: string;
  group?: string;
  reason?: string;
}

export function registerSnooze(program: Command): void {
  program
    .command("snooze")
    .description(
      "Mute one monitor (or one group of it) for a while, on the running hub; its recipients are told, and if it is still not OK at the end they hear about it then",
    )
    .argument("<monitor>", "the monitor's name")
    .requiredOption("--for <duration>", "how long: 30m, 2h, 1d")
    .option("--group <group>", 'only this group, as /api/alerts shows it ("appliance:stove")')
    .option("--reason <text>", "why, for the announcement and `hearth downtime list`")
    .option(...CONFIG_OPTION)
    .addHelpText(
      "after",
      '\nThe hub\'s address is the one it recorded in its data directory (or a running demo\'s), else http.host and http.port of --config. `hearth downtime cancel ID` ends a snooze early.\n\nExamples:\n  hearth snooze "tank pH" --for 2h --reason "changing the solution"\n  hearth snooze "left on with nobody home" --group appliance:oven --for 3h',
    )
    .action(async (monitor: string, opts: SnoozeOptions, cmd: Command) => {
      const fail = (message: string): never => cmd.error(message, { exitCode: EXIT.usage });
      const forText = durationOption(opts.for, fail);
      await talkToHub(async () => {
        const body = {
          monitor,
          for: forText,
          ...(opts.group ? { group: opts.group } : {}),
          ...(opts.reason ? { reason: opts.reason } : {}),
          by: asker(),
          timezone: askerZone(),
        };
        const { snooze } = await callHub<{ snooze: OneOffView }>(await hubAddress(opts.config), "POST", "/api/snoozes", body);
        return `Snoozed:\n${oneOffLine(snooze)}\n${told(snooze.recipients)}`;
      });
    });
}
