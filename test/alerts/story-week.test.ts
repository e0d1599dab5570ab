import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import type { AlertEvent, DowntimeEvent, NotificationEvent, TransitionEvent } from "../../src/alerts/events.js";
import { fixturePath } from "../helpers/fixtures.js";

const run = promisify(execFile);
const CLI = path.resolve("dist/src/cli/main.js");
const story = (f: string) => fixturePath(`replay/story/${f}`);

/**
 * The story's monitor over a whole week of my_metric (test/fixtures/replay/README.md has the
 * timeline and works out every expected event by hand): warning 500, critical 800 over 5 minutes,
 * no data after 10 minutes, muted Monday to Friday 19:00-09:00 and all weekend (UTC).
 */
describe("the story's monitor over a replayed week (hearth replay)", () => {
  let events: AlertEvent[];
  let stderr: string;
  const of = <T extends AlertEvent["type"]>(type: T) => events.filter((e): e is Extract<AlertEvent, { type: T }> => e.type === type);
  const at = (t: string, type: AlertEvent["type"]) => events.filter((e) => e.t === t && e.type === type);

  beforeAll(async () => {
    const out = await run("node", [CLI, "replay", "--input", story("week.jsonl"), "--config", story("hearth.yaml"), "--rules", story("rules")], {
      maxBuffer: 16 * 1024 * 1024,
    });
    events = out.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as AlertEvent);
    stderr = out.stderr;
  });

  it("prints docs/design.md's replay lines, ordered by time, and sends nothing", () => {
    const keys = {
      transition: ["t", "type", "monitor", "group", "from", "to", "value"],
      notification: ["t", "type", "monitor", "group", "state", "recipients", "subject", "body", "muted"],
    };
    for (const e of of("transition")) expect(Object.keys(e)).toEqual(keys.transition);
    for (const e of of("notification")) expect(Object.keys(e)).toEqual(e.muted ? [...keys.notification, "muted_by"] : keys.notification);
    for (const e of of("downtime")) expect(["scheduled", "started", "ended"]).toContain(e.event);
    const times = events.map((e) => Date.parse(e.t));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(stderr).toMatch(/12806 lines .* 26 transitions, 28 notifications \(12 muted\), 13 downtime events; nothing was sent/);
  });

  it("sends and mutes exactly what Datadog's documented semantics call for, message by message", () => {
    const got = of("notification").map((n) => [n.t.slice(5, 16), n.state, n.muted ? `muted by ${n.muted_by}` : "sent"]);
    expect(got).toEqual([
      // E1 Mon, business hours: a warning and its recovery.
      ["01-05T10:04", "WARN", "sent"],
      ["01-05T10:22", "OK", "sent"],
      // E2 Tue, business hours: up through WARN to ALERT, down through WARN to OK (docs/datadog-semantics.md §3.3).
      ["01-06T14:03", "WARN", "sent"],
      ["01-06T14:04", "ALERT", "sent"],
      ["01-06T14:22", "WARN", "sent"],
      ["01-06T14:23", "OK", "sent"],
      // E3 Wed: fires just before the 19:00 window...
      ["01-07T18:53", "WARN", "sent"],
      ["01-07T18:54", "ALERT", "sent"],
      // ...and recovers inside it: transitions go on muted, but the first recovery of an alert
      // that triggered before the window is still sent (docs/datadog-semantics.md §4.3, Trap 17).
      ["01-07T19:12", "WARN", "muted by quiet_hours"],
      ["01-07T19:13", "OK", "sent"],
      // E3b Wed: fires inside the window: everything muted, its recovery too (§4.3).
      ["01-07T20:03", "WARN", "muted by quiet_hours"],
      ["01-07T20:04", "ALERT", "muted by quiet_hours"],
      ["01-07T20:12", "WARN", "muted by quiet_hours"],
      ["01-07T20:13", "OK", "muted by quiet_hours"],
      // E4 Thu: starts inside the window and outlasts it: at 09:00 the window expires with the
      // monitor still in ALERT, so it notifies then (§4.3 "Expiry"); then it recovers, sent.
      ["01-08T08:33", "WARN", "muted by quiet_hours"],
      ["01-08T08:34", "ALERT", "muted by quiet_hours"],
      ["01-08T09:00", "ALERT", "sent"],
      ["01-08T09:31", "WARN", "sent"],
      ["01-08T09:33", "OK", "sent"],
      // E5 Thu: no data for 10 minutes (notify_no_data, no_data_timeframe 10m, §3.2, §3.3), and back.
      ["01-08T15:10", "NO_DATA", "sent"],
      ["01-08T15:26", "OK", "sent"],
      // E6 Sat, inside the weekend window: all muted.
      ["01-10T11:03", "WARN", "muted by quiet_hours"],
      ["01-10T11:04", "ALERT", "muted by quiet_hours"],
      ["01-10T11:22", "WARN", "muted by quiet_hours"],
      ["01-10T11:23", "OK", "muted by quiet_hours"],
      // E7 Sun night: the agent stops; NO_DATA muted; still NO_DATA when the weekend window ends
      // on Monday at 09:00, so it notifies then; data comes back at 09:30.
      ["01-11T22:10", "NO_DATA", "muted by quiet_hours"],
      ["01-12T09:00", "NO_DATA", "sent"],
      ["01-12T09:31", "OK", "sent"],
    ]);
  });

  it("records every state change with the 5-minute average that caused it", () => {
    const changes = of("transition").map((e: TransitionEvent) => [e.t.slice(5, 16), `${e.from}→${e.to}`, e.value]);
    expect(changes.slice(0, 6)).toEqual([
      ["01-05T10:04", "OK→WARN", 571.4286], // (1×100 + 6×650) / 7
      ["01-05T10:22", "WARN→OK", 414.2857], // (3×100 + 4×650) / 7
      ["01-06T14:03", "OK→WARN", 666.6667], // (2×100 + 4×950) / 6
      ["01-06T14:04", "WARN→ALERT", 828.5714], // (1×100 + 6×950) / 7
      ["01-06T14:22", "ALERT→WARN", 585.7143], // (3×100 + 4×950) / 7
      ["01-06T14:23", "WARN→OK", 464.2857], // (4×100 + 3×950) / 7
    ]);
    expect(changes.filter(([, c]) => String(c).includes("NO_DATA"))).toEqual([
      ["01-08T15:10", "OK→NO_DATA", null],
      ["01-08T15:26", "NO_DATA→OK", 100],
      ["01-11T22:10", "OK→NO_DATA", null],
      ["01-12T09:31", "NO_DATA→OK", 100],
    ]);
  });

  it("writes a different subject and body per state, with the value and the host's IP", () => {
    const n = (t: string) => at(t, "notification")[0] as NotificationEvent;
    expect(n("2026-01-05T10:04:00Z")).toMatchObject({
      monitor: "my_metric high",
      group: "*",
      recipients: ["alex"],
      subject: "my_metric is high on dd-ubuntu20",
      body: "my_metric averaged 571.43 over the last 5 minutes, above the warning threshold 500, on dd-ubuntu20 (192.0.2.20).",
    });
    expect(n("2026-01-06T14:04:00Z")).toMatchObject({
      subject: "my_metric is critical on dd-ubuntu20",
      body: "my_metric averaged 828.57 over the last 5 minutes, above the critical threshold 800, on dd-ubuntu20 (192.0.2.20) since 2026-01-06 14:04:00 UTC.",
    });
    expect(n("2026-01-08T15:10:00Z")).toMatchObject({
      subject: "my_metric stopped reporting on dd-ubuntu20",
      body: "my_metric has sent nothing for 10 minutes from dd-ubuntu20 (192.0.2.20): is the agent running?",
    });
    expect(n("2026-01-07T19:13:00Z")).toMatchObject({
      subject: "my_metric is back to normal on dd-ubuntu20",
      body: "my_metric is back to 464.29 on dd-ubuntu20 (192.0.2.20).",
    });
    // The ALERT that outlasted the window: the value at 09:00, and the time it last triggered (08:34, muted).
    expect(n("2026-01-08T09:00:00Z").body).toBe(
      "my_metric averaged 950 over the last 5 minutes, above the critical threshold 800, on dd-ubuntu20 (192.0.2.20) since 2026-01-08 08:34:00 UTC.",
    );
  });

  it("announces the calendar when scheduled, and sends a digest at the end of a window in which anything happened", () => {
    const d = of("downtime").map((e: DowntimeEvent) => [
      e.t.slice(5, 16),
      e.event,
      `${e.start?.slice(5, 16)}→${e.end?.slice(5, 16)}`,
      e.recipients ? "told alex" : "",
    ]);
    expect(d).toEqual([
      ["01-05T06:00", "scheduled", "01-02T19:00→01-05T09:00", "told alex"],
      ["01-05T06:00", "started", "01-02T19:00→01-05T09:00", ""],
      ["01-05T09:00", "ended", "01-02T19:00→01-05T09:00", ""],
      ["01-05T19:00", "started", "01-05T19:00→01-06T09:00", ""],
      ["01-06T09:00", "ended", "01-05T19:00→01-06T09:00", ""],
      ["01-06T19:00", "started", "01-06T19:00→01-07T09:00", ""],
      ["01-07T09:00", "ended", "01-06T19:00→01-07T09:00", ""],
      ["01-07T19:00", "started", "01-07T19:00→01-08T09:00", ""],
      ["01-08T09:00", "ended", "01-07T19:00→01-08T09:00", "told alex"],
      ["01-08T19:00", "started", "01-08T19:00→01-09T09:00", ""],
      ["01-09T09:00", "ended", "01-08T19:00→01-09T09:00", ""],
      // Friday evening to Monday morning is one window: the weekend and the weekday hours merge.
      ["01-09T19:00", "started", "01-09T19:00→01-12T09:00", ""],
      ["01-12T09:00", "ended", "01-09T19:00→01-12T09:00", "told alex"],
    ]);
    const scheduled = at("2026-01-05T06:00:05Z", "downtime")[0] as DowntimeEvent;
    expect(scheduled.body).toContain("Fri 2026-01-09 19:00 +00:00 → Mon 2026-01-12 09:00 +00:00     62h");
    const digest = at("2026-01-08T09:00:00Z", "downtime")[0] as DowntimeEvent;
    expect(digest.subject).toBe("Downtime quiet_hours ended: 8 changes while muted, 1 still not OK");
    expect(digest.body).toContain("Wed 2026-01-07 19:13 +00:00  my_metric high: WARN → OK (value 464.29)");
    expect(digest.body).toContain("7 notifications were muted.");
    expect(digest.body).toContain("my_metric high: ALERT since Thu 2026-01-08 08:34 +00:00 (value 950)");
    // The window-end notification comes after the digest at the same moment.
    expect(events.findIndex((e) => e === digest)).toBeLessThan(events.findIndex((e) => e.t === "2026-01-08T09:00:00Z" && e.type === "notification"));
  });
});
