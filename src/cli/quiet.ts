import { DateTime } from "luxon";
import type { OneOffView } from "../alerts/one-off.js";
import { parseDuration } from "../config-kit/common.js";
import { EXIT } from "./exit.js";
import { HubCallError } from "./hub-client.js";

/** Reads --for: a duration longer than zero, or a usage error. */
export function durationOption(text: string, fail: (message: string) => never): string {
  if (!((parseDuration(text) ?? 0) > 0)) fail(`error: --for "${text}" is not a duration such as 30m, 2h or 1d`);
  return text;
}

const when = (iso: string) => DateTime.fromISO(iso, { setZone: true }).toFormat("ccc yyyy-LL-dd HH:mm ZZ");

/** A snooze or one-off downtime in one line: "3  snooze of tank pH {tank:tank1} until Tue … by alex@laptop: repotting". */
export function oneOffLine(d: OneOffView): string {
  const what =
    d.kind === "snooze"
      ? `snooze of ${d.monitor}${d.group ? ` {${d.group}}` : ""}`
      : `downtime of every monitor${d.scope?.length ? ` tagged ${d.scope.join(", ")}` : ""}`;
  return `${String(d.id).padStart(3)}  ${what} until ${when(d.end_local)}${d.by ? ` by ${d.by}` : ""}${d.reason ? `: ${d.reason}` : ""}`;
}

export const told = (recipients: readonly string[]): string => (recipients.length ? `Told: ${recipients.join(", ")}.` : "Nobody is told (no recipients).");

/** Runs a command that talks to the hub: its failures are one line on stderr and exit 1. */
export async function talkToHub(run: () => Promise<string>): Promise<void> {
  try {
    process.stdout.write(`${await run()}\n`);
    process.exitCode = EXIT.ok;
  } catch (err) {
    if (!(err instanceof HubCallError)) throw err;
    process.stderr.write(`hearth: ${err.message}\n`);
    process.exitCode = EXIT.invalid;
  }
}
