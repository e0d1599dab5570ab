import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { AlertEvent } from "../../src/alerts/events.js";
import { fixturePath } from "../helpers/fixtures.js";

const run = promisify(execFile);
const CLI = path.resolve("dist/src/cli/main.js");
const berlin = (f: string) => fixturePath(`replay/berlin/${f}`);
const config = ["--config", berlin("hearth.yaml"), "--rules", berlin("rules")];

async function replay(from: string, until: string): Promise<string[]> {
  const { stdout } = await run("node", [CLI, "replay", "--input", berlin("dst.jsonl"), "--from", from, "--until", until, ...config]);
  return stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as AlertEvent)
    .map((e) =>
      e.type === "downtime"
        ? `${e.t} ${e.event} ${e.start}→${e.end}`
        : e.type === "notification"
          ? `${e.t} ${e.state} ${e.muted ? "muted" : "sent"}`
          : e.type === "transition"
            ? `${e.t} ${e.from}→${e.to}`
            : e.type,
    );
}

/**
 * The story's quiet hours (Monday to Friday 19:00-09:00 and all weekend) in Europe/Berlin,
 * across both daylight-saving changes of 2026. A Datadog recurrence of Fri 19:00 + 62h would end
 * an hour late in March and an hour early in October (docs/datadog-semantics.md Trap 20); here the
 * window ends at 09:00 local time both times, and a monitor still alerting notifies then.
 */
describe("a Berlin calendar across both daylight-saving changes", () => {
  it("spring forward: Fri 19:00 CET (18:00Z) to Mon 09:00 CEST (07:00Z)", async () => {
    expect(await replay("2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z")).toEqual([
      "2026-03-27T00:00:00Z scheduled 2026-03-26T18:00:00Z→2026-03-27T08:00:00Z",
      "2026-03-27T00:00:00Z started 2026-03-26T18:00:00Z→2026-03-27T08:00:00Z",
      "2026-03-27T08:00:00Z ended 2026-03-26T18:00:00Z→2026-03-27T08:00:00Z",
      "2026-03-27T18:00:00Z started 2026-03-27T18:00:00Z→2026-03-30T07:00:00Z",
      // The probe reads 20 from 06:20Z (08:20 CEST, inside the window): ALERT, muted.
      "2026-03-30T06:21:00Z OK→ALERT",
      "2026-03-30T06:21:00Z ALERT muted",
      // 09:00 CEST: the window ends with the monitor in ALERT, which notifies then (§4.3).
      "2026-03-30T07:00:00Z ended 2026-03-27T18:00:00Z→2026-03-30T07:00:00Z",
      "2026-03-30T07:00:00Z ALERT sent",
      // max(last_10m) drops below 10 once the last 20 (07:30Z) leaves the window.
      "2026-03-30T07:40:00Z ALERT→OK",
      "2026-03-30T07:40:00Z OK sent",
      "2026-03-30T17:00:00Z started 2026-03-30T17:00:00Z→2026-03-31T07:00:00Z",
    ]);
  });

  it("fall back: Fri 19:00 CEST (17:00Z) to Mon 09:00 CET (08:00Z)", async () => {
    expect(await replay("2026-10-23T00:00:00Z", "2026-10-27T00:00:00Z")).toEqual([
      "2026-10-23T00:00:00Z scheduled 2026-10-22T17:00:00Z→2026-10-23T07:00:00Z",
      "2026-10-23T00:00:00Z started 2026-10-22T17:00:00Z→2026-10-23T07:00:00Z",
      "2026-10-23T07:00:00Z ended 2026-10-22T17:00:00Z→2026-10-23T07:00:00Z",
      "2026-10-23T17:00:00Z started 2026-10-23T17:00:00Z→2026-10-26T08:00:00Z",
      "2026-10-26T07:21:00Z OK→ALERT",
      "2026-10-26T07:21:00Z ALERT muted",
      "2026-10-26T08:00:00Z ended 2026-10-23T17:00:00Z→2026-10-26T08:00:00Z",
      "2026-10-26T08:00:00Z ALERT sent",
      "2026-10-26T08:40:00Z ALERT→OK",
      "2026-10-26T08:40:00Z OK sent",
      "2026-10-26T18:00:00Z started 2026-10-26T18:00:00Z→2026-10-27T08:00:00Z",
    ]);
  });

  it("`hearth downtime preview` shows the windows in local time and UTC on both sides of each change", async () => {
    const spring = await run("node", [CLI, "downtime", "preview", "--from", "2026-03-27", "--days", "4", ...config]);
    expect(spring.stdout).toBe(
      [
        "quiet_hours (Europe/Berlin), mutes: probe high",
        "  Thu 2026-03-26 19:00 +01:00 → Fri 2026-03-27 09:00 +01:00     14h   UTC 2026-03-26 18:00Z → 2026-03-27 08:00Z",
        "  Fri 2026-03-27 19:00 +01:00 → Mon 2026-03-30 09:00 +02:00     61h   UTC 2026-03-27 18:00Z → 2026-03-30 07:00Z",
        "  Mon 2026-03-30 19:00 +02:00 → Tue 2026-03-31 09:00 +02:00     14h   UTC 2026-03-30 17:00Z → 2026-03-31 07:00Z",
        "",
      ].join("\n"),
    );
    const autumn = await run("node", [CLI, "downtime", "preview", "--from", "2026-10-24", "--days", "3", ...config]);
    expect(autumn.stdout).toBe(
      [
        "quiet_hours (Europe/Berlin), mutes: probe high",
        "  Fri 2026-10-23 19:00 +02:00 → Mon 2026-10-26 09:00 +01:00     63h   UTC 2026-10-23 17:00Z → 2026-10-26 08:00Z",
        "  Mon 2026-10-26 19:00 +01:00 → Tue 2026-10-27 09:00 +01:00     14h   UTC 2026-10-26 18:00Z → 2026-10-27 08:00Z",
        "",
      ].join("\n"),
    );
  });

  it("`hearth downtime preview` refuses a bad --days or --from with a usage error", async () => {
    for (const args of [
      ["--days", "0"],
      ["--from", "next friday"],
    ]) {
      const err = await run("node", [CLI, "downtime", "preview", ...args, ...config]).catch((e: { code: number; stderr: string }) => e);
      expect(err).toMatchObject({ code: 2 });
      expect((err as { stderr: string }).stderr).toMatch(args[0] === "--days" ? /--days must be a whole number/ : /--from "next friday" is not a date/);
    }
  });
});
