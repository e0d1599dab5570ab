import fs from "node:fs";
import type { Command } from "commander";
import { EXIT } from "./exit.js";
import { CONFIG_OPTION, RULES_OPTION, type ConfigOptions } from "./options.js";

interface CheckOptions extends ConfigOptions {
  explain?: string;
  userProperty: string[];
  json?: boolean;
  probe?: boolean;
}

export function registerCheck(program: Command): void {
  program
    .command("check")
    .description("Validate the configuration and every rules file, reporting all problems as file:line:col")
    .option(...CONFIG_OPTION)
    .option(...RULES_OPTION)
    .option("--explain <topic>", "show which rule matches TOPIC and the samples PAYLOAD becomes (PAYLOAD '-' reads stdin)")
    .option("--user-property <name=value>", "with --explain: an MQTT 5 user property the message carries (repeat for several)", collect, [])
    .option("--json", "print the explanation as JSON")
    .option("--probe", "also try each integration instance's server once and say what answered (exit 1 if any did not)")
    .argument("[payload]", "the payload to explain, with --explain")
    .addHelpText(
      "after",
      '\nExamples:\n  hearth check\n  hearth check --probe\n  hearth check --explain tele/kitchen_plug/SENSOR \'{"ENERGY":{"Power":1850}}\'\n  hearth check --explain sensors/hall/temperature 21.5 --user-property room=hall --user-property ts=1764687600000\n  mosquitto_sub -C 1 -t tele/kitchen_plug/SENSOR | hearth check --explain tele/kitchen_plug/SENSOR -',
    )
    .action(async (payload: string | undefined, opts: CheckOptions, cmd: Command) => {
      if (opts.explain !== undefined && payload === undefined)
        cmd.error("error: --explain needs a PAYLOAD after the topic ('-' reads it from stdin)", { exitCode: EXIT.usage });
      if (opts.explain === undefined && opts.userProperty.length > 0)
        cmd.error("error: --user-property goes with --explain TOPIC PAYLOAD", { exitCode: EXIT.usage });
      const userProperties = parseUserProperties(opts.userProperty);
      if (typeof userProperties === "string") cmd.error(`error: --user-property ${userProperties}`, { exitCode: EXIT.usage });
      if (opts.explain === undefined && payload !== undefined)
        cmd.error(`error: unexpected argument "${payload}" (did you mean --explain TOPIC PAYLOAD?)`, { exitCode: EXIT.usage });
      const { loadOrReport } = await import("./load.js");
      const loaded = loadOrReport(opts);
      if (!loaded) {
        process.exitCode = EXIT.invalid;
        return;
      }
      if (opts.explain === undefined) {
        const r = loaded.rules;
        const count = (n: number, word: string, plural = `${word}s`) => `${n} ${n === 1 ? word : plural}`;
        process.stdout.write(
          `${opts.config} and ${count(r.files.length, "rules file")} in ${opts.rules} are valid: ${count(r.presets.size, "preset")} (${[...r.presets.keys()].join(", ") || "none"}), ${count(r.mappings.length, "mapping")}, ${count(r.appliances.size, "appliance")}, ${count(r.people.size, "person", "people")}, ${count(r.tanks.size, "tank")}, ${count(r.monitors.length, "monitor")}, ${count(r.calendars.length, "calendar")}, ${count(r.dashboards.length, "dashboard")}.\n`,
        );
        process.exitCode = EXIT.ok;
        // A warning, not an error: `evaluate: both` is the documented step while moving a monitor to Datadog.
        const [{ evaluatedTwice }, { formatSource }] = await Promise.all([import("../datadog-as-code/evaluated-twice.js"), import("../config-kit/issues.js")]);
        for (const w of evaluatedTwice(loaded)) process.stderr.write(`${formatSource(w.source)}: ${w.message}\n`);
        if (opts.probe) {
          const [{ formatProbe, probeInstances }, { INTEGRATIONS_BY_TYPE }] = await Promise.all([
            import("../integration-host/probe.js"),
            import("../../integrations/registry.js"),
          ]);
          const results = await probeInstances(loaded.config.integrations, INTEGRATIONS_BY_TYPE);
          process.stdout.write(`Probing ${results.length} integration instance${results.length === 1 ? "" : "s"}:\n${results.map(formatProbe).join("\n")}\n`);
          const failed = results.filter((r) => r.outcome === "failed").length;
          if (failed > 0) {
            process.stderr.write(`hearth: ${failed} of ${results.length} integration instances did not answer\n`);
            process.exitCode = EXIT.invalid;
          }
        }
        return;
      }
      const body = payload === "-" ? fs.readFileSync(0) : Buffer.from(payload!, "utf8");
      const { explain, formatExplanation, readableExplanation } = await import("./explain.js");
      const e = explain(loaded, opts.explain, body, Date.now(), userProperties);
      process.stdout.write(opts.json ? `${JSON.stringify(readableExplanation(e), null, 2)}\n` : `${formatExplanation(e)}\n`);
      process.exitCode = e.matches.some((m) => m.samples.length > 0 || m.notes.length > 0) ? EXIT.ok : EXIT.invalid;
    });
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * `name=value` pairs as mqtt-packet gives user properties to the broker (a name given twice holds
 * both values, in order), or the pair that is not one. No prototype: the names are the user's text.
 */
function parseUserProperties(pairs: readonly string[]): Record<string, string | string[]> | undefined | string {
  if (pairs.length === 0) return undefined;
  const props = Object.create(null) as Record<string, string | string[]>;
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) return `"${pair}": expected name=value, as in room=kitchen`;
    const [name, value] = [pair.slice(0, eq), pair.slice(eq + 1)];
    const known = props[name];
    props[name] = known === undefined ? value : [...(typeof known === "string" ? [known] : known), value];
  }
  return props;
}
