import type { Command } from "commander";
import type { AlertView } from "../alerts/alert-views.js";
import { asker, callHub, hubAddress } from "./hub-client.js";
import { CONFIG_OPTION } from "./options.js";
import { talkToHub } from "./quiet.js";

interface AckOptions {
  config: string;
  group?: string;
}

export function registerAck(program: Command): void {
  program
    .command("ack")
    .description(
      "Acknowledge a monitor that is not OK, on the running hub: no reminders until its state changes (a recovery clears it); its recipients are told",
    )
    .argument("<monitor>", "the monitor's name")
    .option("--group <group>", 'only this group ("appliance:stove"); default every group that is not OK')
    .option(...CONFIG_OPTION)
    .addHelpText("after", '\nExamples:\n  hearth ack "tank pH"\n  hearth ack "left on with nobody home" --group appliance:stove')
    .action(async (monitor: string, opts: AckOptions) => {
      await talkToHub(async () => {
        const body = { monitor, ...(opts.group ? { group: opts.group } : {}), by: asker() };
        const { acknowledged } = await callHub<{ acknowledged: AlertView[] }>(await hubAddress(opts.config), "POST", "/api/acks", body);
        const lines = acknowledged.map((a) => `  ${a.monitor}${a.group === "*" ? "" : ` {${a.group}}`}: ${a.state} since ${a.since}`);
        return `Acknowledged (no reminders until the state changes):\n${lines.join("\n")}`;
      });
    });
}
