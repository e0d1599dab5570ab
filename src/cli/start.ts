import type { Command } from "commander";
import type { Hub } from "../hub.js";
import { EXIT } from "./exit.js";
import { CONFIG_OPTION, RULES_OPTION, type ConfigOptions } from "./options.js";

interface StartOptions extends ConfigOptions {
  live?: boolean;
  watch: boolean;
}

export function registerStart(program: Command): void {
  program
    .command("start")
    .description("Run the hub: the MQTT broker, the pipeline, the HTTP server and everything the configuration enables")
    .option(...CONFIG_OPTION)
    .option(...RULES_OPTION)
    .option("--live", "show a live table of arriving series (the default for the demo on a terminal)")
    .option("--no-live", "log lines only")
    .option("--no-watch", "do not reload when the configuration or a rules file changes (SIGHUP still does)")
    .addHelpText(
      "after",
      "\nA saved change to the configuration or a rules file applies within seconds; an invalid one is\nreported with its positions and the last good version stays in force.\nSignals: SIGHUP reloads config and rules; SIGTERM or SIGINT stops cleanly.\n\nExamples:\n  hearth start\n  hearth start --config config/demo.yaml",
    )
    .action(async (opts: StartOptions) => {
      // `kill -HUP "$(pgrep -x hearth)"` and ps name the hub, not node.
      process.title = "hearth";
      // The hub and everything it runs load only for this command: `hearth --help` stays quick.
      const [
        { loadOrReport },
        { createLogger },
        { Hub },
        { describeError, isHearthError },
        { LogTail, startLiveSummary },
        { serialReloader },
        { watchConfig },
        { writeHubRecord, removeHubRecord },
      ] = await Promise.all([
        import("./load.js"),
        import("../kit/log.js"),
        import("../hub.js"),
        import("../kit/errors.js"),
        import("./live.js"),
        import("./reload.js"),
        import("../config/watch.js"),
        import("./hub-record.js"),
      ]);
      const loaded = loadOrReport(opts);
      if (!loaded) {
        process.exitCode = EXIT.invalid;
        return;
      }
      const live = opts.live ?? (loaded.config.simulator?.enabled === true && process.stdout.isTTY === true);
      const tail = live ? new LogTail() : undefined;
      const log = createLogger({
        level: loaded.config.log.level,
        format: tail ? "pretty" : loaded.config.log.format,
        ...(tail ? { destination: tail, singleLine: true } : {}),
      });

      // Signals are handled from before the hub starts: its broker accepts clients while the rest
      // starts, and Node's default for SIGTERM, SIGINT and SIGHUP ends the process on the spot,
      // with no DISCONNECT for MQTT 5 clients and the store left open. One that comes in while the
      // hub starts takes effect as soon as it is up.
      const running: { stop?: (signal: string) => Promise<void>; reload?: (why: string) => Promise<boolean> } = {};
      let stopSignal: string | undefined;
      let reloadPending = false;
      const onStop = (signal: string) => {
        if (stopSignal) process.exit(EXIT.invalid);
        stopSignal = signal;
        if (running.stop) void running.stop(signal);
      };
      process.on("SIGTERM", () => onStop("SIGTERM"));
      process.on("SIGINT", () => onStop("SIGINT"));
      process.on("SIGHUP", () => {
        if (running.reload) void running.reload("SIGHUP");
        else reloadPending = true;
      });

      let hub: Hub;
      try {
        hub = await Hub.start({ loaded, log, ...(await storyClockFor(loaded.config.simulator)) });
      } catch (err) {
        if (isHearthError(err)) log.fatal({ code: err.code }, err.message);
        else log.fatal({ err: describeError(err) }, "Hearth could not start");
        if (tail) process.stderr.write(`${tail.lines.join("\n")}\n`);
        process.exit(EXIT.invalid);
      }

      const dataDir = loaded.config.storage.dir;
      const httpHost = loaded.config.http.host === "0.0.0.0" ? "127.0.0.1" : loaded.config.http.host === "::" ? "::1" : loaded.config.http.host;
      writeHubRecord(dataDir, {
        pid: process.pid,
        url: `http://${httpHost.includes(":") ? `[${httpHost}]` : httpHost}:${hub.http.port}`,
        started_at: new Date().toISOString(),
      });
      const stopLive = tail ? startLiveSummary(hub, tail) : undefined;
      const reload = serialReloader(hub, opts, log);
      const stopWatch = opts.watch ? watchConfig(opts.config, opts.rules, (files) => void reload(`changed: ${files.join(", ")}`)) : undefined;
      const stop = async (signal: string) => {
        stopLive?.();
        stopWatch?.();
        log.info({ signal }, `Stopping on ${signal}`);
        await hub.stop();
        removeHubRecord(dataDir, process.pid);
        // The live view hid the log: say so where the frame was.
        if (tail) process.stdout.write("\nHearth stopped.\n");
        process.exit(EXIT.ok);
      };
      Object.assign(running, { stop, reload });
      if (stopSignal) void stop(stopSignal);
      else if (reloadPending) void reload("SIGHUP");
    });
}

/** The demo runs the whole hub on the story's clock, so the shipped rules' durations hold in story time. */
async function storyClockFor(sim: { enabled: boolean; speed: number } | undefined) {
  if (!sim?.enabled) return {};
  const { StoryClock, storyStart } = await import("../simulator/story-clock.js");
  return { clock: new StoryClock(storyStart(Date.now()), sim.speed) };
}
