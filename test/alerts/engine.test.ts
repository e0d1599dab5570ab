import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { AlertEngine } from "../../src/alerts/engine.js";
import type { EngineState } from "../../src/alerts/engine-state.js";
import type { AlertEvent } from "../../src/alerts/events.js";
import { ManualClock } from "../../src/kit/clock.js";
import type { Loaded } from "../../src/config/load.js";
import { silentLogger } from "../../src/kit/log.js";
import { alertSettingsOf } from "../../src/assembly/sections.js";
import { assembleProcessing } from "../../src/assembly/assemble.js";
import { Telemetry } from "../../src/kit/telemetry.js";
import { loadTestConfig, writeTestConfig } from "../helpers/hub.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function load(rules: string): Loaded {
  const { dir, configFile, rulesDir } = writeTestConfig({ config: { notify: { recipients: { alex: {} } } }, rules: { "alerts.yaml": rules } });
  dirs.push(dir);
  return loadTestConfig(configFile, rulesDir);
}

/** An engine on a ManualClock fed through the real pipeline, as the hub assembles them. */
function startEngine(loaded: Loaded, start: string, state?: EngineState) {
  const clock = new ManualClock(Date.parse(start));
  const telemetry = new Telemetry();
  const processing = assembleProcessing(loaded, clock, telemetry, silentLogger());
  const events: AlertEvent[] = [];
  const engine = new AlertEngine({
    settings: alertSettingsOf(loaded),
    pipeline: processing.pipeline,
    presence: processing.presence,
    clock,
    telemetry,
    log: silentLogger(),
    emit: (e) => events.push(e),
    ...(state ? { state } : {}),
  });
  processing.pipeline.start();
  engine.start();
  const temp = (room: string, value: number) =>
    processing.pipeline.addSample({ metric: "temp", value, tags: [`room:${room}`], time: clock.now(), kind: "gauge" });
  /** Feeds one reading per room every minute until `until`. */
  const run = (until: string, readings: Record<string, number>) => {
    while (clock.now() < Date.parse(until)) {
      for (const [room, v] of Object.entries(readings)) temp(room, v);
      clock.advance(60_000);
    }
  };
  const stop = () => {
    engine.stop();
    processing.pipeline.stop();
  };
  const brief = () =>
    events.map((e) =>
      e.type === "transition"
        ? `${e.t.slice(11, 16)} ${e.group} ${e.from}→${e.to}`
        : e.type === "notification"
          ? `${e.t.slice(11, 16)} ${e.group} ${e.state} ${e.muted ? `muted by ${e.muted_by}` : "sent"}: ${e.subject}`
          : e.type === "downtime"
            ? `${e.t.slice(11, 16)} downtime ${e.event}${e.reason ? ` (${e.reason})` : ""}`
            : e.type,
    );
  return { clock, engine, events, run, stop, brief };
}

const MONITOR = `monitors:
  - name: too warm
    query: "max(last_5m):temp{*} by {room} > 30"
    renotify_interval: 10m
    recipients: [alex]
    tags: [team:house]
`;

describe("alert engine state", () => {
  it("survives a restart through exported state: no second alert, reminders on the same schedule", () => {
    const loaded = load(MONITOR);
    const first = startEngine(loaded, "2026-01-07T12:00:00Z");
    first.run("2026-01-07T12:05:00Z", { kitchen: 35 });
    expect(first.brief()).toEqual(["12:01 room:kitchen OK→ALERT", "12:01 room:kitchen ALERT sent: [Triggered on {room:kitchen}] too warm"]);
    first.stop();
    const saved = JSON.parse(JSON.stringify(first.engine.exportState())) as EngineState;

    // Thirty seconds later a new process starts with the saved state and the same rules.
    const second = startEngine(loaded, "2026-01-07T12:05:30Z", saved);
    expect(second.engine.alerts()).toMatchObject([{ monitor: "too warm", group: "room:kitchen", state: "ALERT", value: 35, since: "2026-01-07T12:01:00Z" }]);
    second.run("2026-01-07T12:22:00Z", { kitchen: 35 });
    expect(second.brief()).toEqual([
      "12:11 room:kitchen ALERT sent: [Still triggered on {room:kitchen}] too warm",
      "12:21 room:kitchen ALERT sent: [Still triggered on {room:kitchen}] too warm",
    ]);
    second.stop();
  });

  it("keeps a monitor's state across a reload unless its query changed", () => {
    const h = startEngine(load(MONITOR), "2026-01-07T12:00:00Z");
    h.run("2026-01-07T12:03:00Z", { kitchen: 35 });
    h.engine.reconfigure(alertSettingsOf(load(MONITOR.replace("renotify_interval: 10m", "renotify_interval: 5m"))));
    h.run("2026-01-07T12:07:00Z", { kitchen: 35 });
    expect(h.brief().slice(2)).toEqual(["12:06 room:kitchen ALERT sent: [Still triggered on {room:kitchen}] too warm"]);

    h.engine.reconfigure(alertSettingsOf(load(MONITOR.replace("> 30", "> 40"))));
    expect(h.engine.alerts()).toEqual([]);
    h.run("2026-01-07T12:10:00Z", { kitchen: 35 });
    expect(h.engine.alerts()).toMatchObject([{ group: "room:kitchen", state: "OK" }]);
    expect(h.brief()).toHaveLength(3); // starting over in OK is not a recovery
    h.stop();
  });

  it("mutes by monitor tags within a tag scope, and mutes the first recovery when the calendar says so", () => {
    const h = startEngine(
      load(`${MONITOR}calendars:
  - name: kitchen_work
    timezone: UTC
    windows: [{start: "2026-01-07T12:05", end: "2026-01-07T13:00"}]
    monitor_tags: ["team:house"]
    scope: ["room:kitchen"]
    mute_first_recovery_notification: true
`),
      "2026-01-07T12:00:00Z",
    );
    h.run("2026-01-07T12:10:00Z", { kitchen: 35, hall: 35 });
    h.run("2026-01-07T12:20:00Z", { kitchen: 20, hall: 20 });
    expect(h.brief().filter((l) => !l.includes("downtime") && !l.includes("→"))).toEqual([
      "12:01 room:kitchen ALERT sent: [Triggered on {room:kitchen}] too warm",
      "12:01 room:hall ALERT sent: [Triggered on {room:hall}] too warm",
      // Both triggered before the window; only the kitchen is in its scope, and it mutes first recoveries too.
      "12:11 room:kitchen ALERT muted by kitchen_work: [Still triggered on {room:kitchen}] too warm",
      "12:11 room:hall ALERT sent: [Still triggered on {room:hall}] too warm",
      // The last 35 was read at 12:09:00; at 12:14 it has left the 5-minute window.
      "12:14 room:kitchen OK muted by kitchen_work: [Recovered on {room:kitchen}] too warm",
      "12:14 room:hall OK sent: [Recovered on {room:hall}] too warm",
    ]);
    h.stop();
  });

  it("announces a changed calendar, and a window canceled by a change ends without end-of-window notifications", () => {
    const calendar = (to: string) => `${MONITOR}    calendars: [lunch]
calendars:
  - name: lunch
    timezone: UTC
    windows: [{from: "12:00", to: "${to}"}]
    recipients: [alex]
    announce: [scheduled, ended]
`;
    const h = startEngine(load(calendar("14:00")), "2026-01-07T12:00:00Z");
    h.run("2026-01-07T12:10:00Z", { kitchen: 35 });
    h.engine.reconfigure(alertSettingsOf(load(calendar("12:05"))));
    h.run("2026-01-07T12:12:00Z", { kitchen: 35 });
    expect(h.brief()).toEqual([
      "12:00 downtime scheduled",
      "12:00 downtime started",
      "12:01 room:kitchen OK→ALERT",
      "12:01 room:kitchen ALERT muted by lunch: [Triggered on {room:kitchen}] too warm",
      // Datadog's default notify_end_types is [expired]: a canceled window sends nothing more (docs/datadog-semantics.md §4.1, Trap 17).
      "12:10 downtime ended (canceled)",
      "12:10 downtime scheduled",
      "12:11 room:kitchen ALERT sent: [Still triggered on {room:kitchen}] too warm",
    ]);
    const changed = h.events.filter((e) => e.type === "downtime" && e.event === "scheduled")[1];
    expect(changed).toMatchObject({ recipients: ["alex"], subject: "Downtime lunch changed" });
    expect(h.engine.downtimes(1)).toMatchObject([
      { name: "lunch", monitors: ["too warm"], active: null, windows: [{ start: "2026-01-08T12:00:00Z", end: "2026-01-08T12:05:00Z", length: "5m" }] },
    ]);
    h.stop();
  });
});
