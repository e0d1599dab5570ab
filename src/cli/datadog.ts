import type { Command } from "commander";
import { formatSource } from "../config-kit/issues.js";
import { CONFIG_OPTION, RULES_OPTION, type ConfigOptions } from "./options.js";
import { EXIT } from "./exit.js";
import { credentialsOrReport } from "./datadog-keys.js";
import { loadOrReport } from "./load.js";

/** `terraform plan -detailed-exitcode`'s convention: 0 nothing to do, 2 changes to make, 1 an error. */
const PLAN_EXIT = { none: 0, changes: 2, error: EXIT.invalid } as const;

interface DatadogOptions extends ConfigOptions {
  prune?: boolean;
}

async function run(opts: DatadogOptions, apply: boolean): Promise<number> {
  const loaded = loadOrReport(opts);
  if (!loaded) return PLAN_EXIT.error;
  const { desiredObjects } = await import("../datadog-as-code/desired.js");
  const { objects, problems } = desiredObjects(loaded);
  for (const p of problems) process.stderr.write(`${formatSource(p.source)}: ${p.message}\n`);
  if (problems.length) return PLAN_EXIT.error;
  const creds = credentialsOrReport(loaded, "hearth datadog");
  if (!creds) return PLAN_EXIT.error;
  const { DatadogApi, DatadogApiError } = await import("../datadog-as-code/remote.js");
  const { makePlan, formatPlan } = await import("../datadog-as-code/plan.js");
  const say = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const api = await DatadogApi.connect(creds, say);
    const plan = makePlan(objects, await api.listManaged(), opts.prune === true);
    process.stdout.write(formatPlan(plan));
    if (!apply) return plan.actions.length ? PLAN_EXIT.changes : PLAN_EXIT.none;
    const { applyPlan } = await import("../datadog-as-code/apply.js");
    const result = await applyPlan(api, plan, (line) => process.stdout.write(`${line}\n`));
    for (const e of result.errors) process.stderr.write(`${e}\n`);
    if (result.errors.length) return PLAN_EXIT.error;
    for (const u of result.urls) process.stdout.write(`${u.key}: ${u.url}\n`);
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof DatadogApiError)) throw err;
    process.stderr.write(`hearth datadog: ${err.message}\n`);
    return PLAN_EXIT.error;
  }
}

export function registerDatadog(program: Command): void {
  const datadog = program.command("datadog").description("Create the rules' dashboards, Datadog-evaluated monitors and their downtimes in Datadog");
  datadog
    .command("plan")
    .description("Show what `apply` would create, change and delete in Datadog; exit 0 with no changes, 2 with changes, 1 on error")
    .option(...CONFIG_OPTION)
    .option(...RULES_OPTION)
    .option("--prune", "also plan to delete objects Hearth made whose rule is gone")
    .action(async (opts: DatadogOptions) => {
      process.exitCode = await run(opts, false);
    });
  datadog
    .command("apply")
    .description("Make Datadog match the rules (exactly what `plan` shows), then print each object's Datadog address")
    .option(...CONFIG_OPTION)
    .option(...RULES_OPTION)
    .option("--prune", "delete objects Hearth made whose rule is gone (never objects made by hand)")
    .action(async (opts: DatadogOptions) => {
      process.exitCode = await run(opts, true);
    });
}
