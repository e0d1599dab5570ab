import type { Command } from "commander";
import { EXIT } from "./exit.js";
import { CONFIG_OPTION, RULES_OPTION, type ConfigOptions } from "./options.js";

export function registerNotify(program: Command): void {
  const notify = program.command("notify").description("Notifications: try a recipient's channels");
  notify
    .command("test")
    .description("Send a test message through each of a recipient's channels and print what each server answered (exit 1 if any failed)")
    .argument("<recipient>", "a recipient of notify.recipients")
    .option(...CONFIG_OPTION)
    .option(...RULES_OPTION)
    .addHelpText("after", "\nIt sends directly, whether or not the hub runs; nothing goes through the outbox.\n\nExample:\n  hearth notify test alex")
    .action(async (recipient: string, opts: ConfigOptions) => {
      const [{ loadOrReport }, { suggestion }, { sendTestMessages }] = await Promise.all([
        import("./load.js"),
        import("../config-kit/issues.js"),
        import("../notify/test-message.js"),
      ]);
      const loaded = loadOrReport(opts);
      if (!loaded) {
        process.exitCode = EXIT.invalid;
        return;
      }
      const known = Object.keys(loaded.config.notify.recipients);
      if (!known.includes(recipient)) {
        process.stderr.write(
          `hearth: no recipient named "${recipient}" in notify.recipients of ${opts.config}${suggestion(recipient, known) || (known.length ? ` (known: ${known.join(", ")})` : "")}\n`,
        );
        process.exitCode = EXIT.invalid;
        return;
      }
      const results = await sendTestMessages(loaded.config.notify, loaded.config.host ?? "hearth", recipient, Date.now());
      if (results.length === 0) {
        process.stderr.write(`hearth: ${recipient} has no channel in notify.recipients: add email, ntfy, pushover, gotify or webhook\n`);
        process.exitCode = EXIT.invalid;
        return;
      }
      for (const r of results) process.stdout.write(`${r.ok ? "ok    " : "FAILED"}  ${r.describe}: ${r.answer}\n`);
      const failed = results.filter((r) => !r.ok).length;
      if (failed) process.stderr.write(`hearth: ${failed} of ${results.length} channels of ${recipient} failed\n`);
      process.exitCode = failed ? EXIT.invalid : EXIT.ok;
    });
}
