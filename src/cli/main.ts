#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { VERSION } from "../kit/version.js";
import { registerAck } from "./ack.js";
import { registerCheck } from "./check.js";
import { registerDatadog } from "./datadog.js";
import { registerDowntime } from "./downtime.js";
import { EXIT } from "./exit.js";
import { registerNotify } from "./notify.js";
import { registerReplay } from "./replay.js";
import { registerPasswd } from "./passwd.js";
import { registerSchema } from "./schema.js";
import { registerSnooze } from "./snooze.js";
import { registerStart } from "./start.js";

const program = new Command("hearth")
  .description(
    "Hearth: the house's MQTT broker and integration hub. Devices and servers become tagged metrics for Datadog, with alerts that know when nobody is home.",
  )
  .version(VERSION)
  .exitOverride()
  .showHelpAfterError("(run `hearth --help` or `hearth <command> --help` for usage)");

registerStart(program);
registerCheck(program);
registerSchema(program);
registerReplay(program);
registerDowntime(program);
registerPasswd(program);
registerSnooze(program);
registerAck(program);
registerNotify(program);
registerDatadog(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
  throw err;
}
