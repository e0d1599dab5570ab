import fs from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { AlertEvent, NotificationEvent } from "../../src/alerts/events.js";
import { parseReplayInput } from "../../src/alerts/replay-input.js";
import { replay } from "../../src/assembly/replay.js";
import { silentLogger } from "../../src/kit/log.js";
import { fixturePath } from "../helpers/fixtures.js";
import { loadTestConfig } from "../helpers/hub.js";
import { presenceFromSamples } from "../helpers/presence.js";

const stove = (f: string) => fixturePath(`replay/stove/${f}`);

/**
 * "Appliance on, nobody home" on a replayed Tuesday (test/fixtures/replay/README.md): the stove
 * and the curling iron on power.on{appliance:…}, Alex's presence on presence.home{person:alex},
 * read through a small presence view (stale after 30 minutes without a report).
 */
describe("the stove left on with nobody home (replay)", () => {
  let events: AlertEvent[];
  const notifications = () => events.filter((e): e is NotificationEvent => e.type === "notification");

  beforeAll(() => {
    const loaded = loadTestConfig(stove("hearth.yaml"), stove("rules"));
    const input = parseReplayInput(fs.readFileSync(stove("tuesday.jsonl"), "utf8"), "tuesday.jsonl");
    expect(input.issues).toEqual([]);
    events = [];
    replay(loaded, input.lines, { presence: (pipeline) => presenceFromSamples(pipeline) }, (e) => events.push(e), silentLogger());
  });

  it("alerts once, reminds every 30 minutes, and resolves when Alex comes home, saying so", () => {
    const stoveEvents = notifications()
      .filter((n) => n.group === "appliance:stove")
      .map((n) => [n.t.slice(11, 16), n.state, n.subject, n.body]);
    expect(stoveEvents.slice(0, 5)).toEqual([
      // Alex leaves at 08:00 with the stove on since 07:30: 10 minutes with nobody home → 08:10.
      ["08:10", "ALERT", "[Triggered on {appliance:stove}] left on", "The stove has been on since 2026-01-06 07:30:00 UTC (40m) and nobody is home."],
      ["08:40", "ALERT", "[Still triggered on {appliance:stove}] left on", "The stove has been on since 2026-01-06 07:30:00 UTC (1h10m) and nobody is home."],
      ["09:10", "ALERT", "[Still triggered on {appliance:stove}] left on", "The stove has been on since 2026-01-06 07:30:00 UTC (1h40m) and nobody is home."],
      ["09:40", "ALERT", "[Still triggered on {appliance:stove}] left on", "The stove has been on since 2026-01-06 07:30:00 UTC (2h10m) and nobody is home."],
      // Alex's report at 10:00 arrives after that minute's evaluation; the next one sees it.
      ["10:01", "OK", "[Recovered on {appliance:stove}] left on", "The stove is no longer left on with nobody home: alex came home."],
    ]);
    const transitions = events.filter((e) => e.type === "transition" && e.group === "appliance:stove").map((e) => e.t.slice(11, 16));
    expect(transitions.slice(0, 2)).toEqual(["08:10", "10:01"]);
  });

  it("does not alert for an appliance on for less than `for` while nobody is home", () => {
    // The curling iron is on 07:55-08:05: five minutes after Alex left at 08:00.
    expect(events.some((e) => e.type !== "downtime" && e.group === "appliance:curling_iron" && e.t < "2026-01-06T12:00")).toBe(false);
  });

  it("resolves when the appliance goes off, saying so", () => {
    const curling = notifications()
      .filter((n) => n.group === "appliance:curling_iron")
      .map((n) => [n.t.slice(11, 16), n.state, n.body]);
    expect(curling).toEqual([
      // On since 12:50; Alex leaves at 13:00 → 13:10. Switched off at 13:25, seen at the 13:26 evaluation.
      ["13:10", "ALERT", "The curling_iron has been on since 2026-01-06 12:50:00 UTC (20m) and nobody is home."],
      ["13:26", "OK", "The curling_iron is no longer left on with nobody home: the curling_iron was turned off."],
    ]);
  });

  it("counts stale presence as unknown, and the message says whose and since when", () => {
    // Alex's phone last reports at 18:00 (home); after 30 minutes that is unknown, not "home".
    const evening = notifications()
      .filter((n) => n.group === "appliance:stove" && n.t > "2026-01-06T18")
      .map((n) => [n.t.slice(11, 16), n.state, n.body]);
    expect(evening).toEqual([
      [
        "19:10",
        "ALERT",
        "The stove has been on since 2026-01-06 19:00:00 UTC (10m) and nobody is known to be home: presence unknown for alex (last report 2026-01-06 18:00:00 UTC).",
      ],
      ["19:31", "OK", "The stove is no longer left on with nobody home: the stove was turned off."],
    ]);
  });

  it("carries the appliance as the group and its power.on as the value", () => {
    expect(events.filter((e) => e.type === "transition").map((e) => e.type === "transition" && [e.t.slice(11, 16), e.group, e.to, e.value])).toEqual([
      ["08:10", "appliance:stove", "ALERT", 1],
      ["10:01", "appliance:stove", "OK", 1],
      ["13:10", "appliance:curling_iron", "ALERT", 1],
      ["13:26", "appliance:curling_iron", "OK", 0],
      ["19:10", "appliance:stove", "ALERT", 1],
      ["19:31", "appliance:stove", "OK", 0],
    ]);
  });
});
