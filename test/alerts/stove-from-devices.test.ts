import { beforeAll, describe, expect, it } from "vitest";
import { readFixture, readMessages } from "../helpers/fixtures.js";
import { replayEvents } from "../helpers/replay.js";

/**
 * The stove case end to end, from what the devices really send: a Tasmota plug's SENSOR frames
 * (the Sonoff POW R2 recording with its Power changed) and Alex's OwnTracks phone (the recorded
 * location and transition, with `inregions` and the region's name set to "home"), replayed by
 * the `hearth replay` command through the real appliance stage (power.on after a minute above
 * 10 W) and the real people tracker. Payload formats: test/fixtures/power/README.md and
 * test/fixtures/presence/README.md; the monitor's semantics: docs/datadog-semantics.md §3.
 */
const RULES = `
version: 1
presets: [tasmota]
appliances:
  stove: kitchen_plug
people:
  alex:
    owntracks: owntracks/alex/phone
monitors:
  - name: left on
    type: nobody_home
    appliances: [stove]
    for: 10m
    renotify_interval: 30m
    recipients: [household]
`;

const at = (hhmm: string) => `2026-01-06T${hhmm}:00.000Z`;
const minutes = (from: string, to: string, step: number) => {
  const out: string[] = [];
  for (let t = Date.parse(at(from)); t < Date.parse(at(to)); t += step * 60_000) out.push(new Date(t).toISOString());
  return out;
};

function tuesday(): string {
  const sensor = JSON.parse(readFixture("power/tasmota-sensor-energy.json")) as { ENERGY: Record<string, number> };
  const location = JSON.parse(readMessages("presence/owntracks-location.jsonl")[0]!.payload) as Record<string, unknown>;
  const transition = JSON.parse(readFixture("presence/owntracks-transition-enter.json")) as Record<string, unknown>;
  const lines: object[] = [];
  // The plug reports every minute: off, then the stove on 07:30-10:05 at about 2 kW.
  for (const t of minutes("07:00", "14:00", 1)) {
    const on = t >= at("07:30") && t < at("10:05");
    lines.push({ t, topic: "tele/kitchen_plug/SENSOR", payload: JSON.stringify({ ...sensor, ENERGY: { ...sensor.ENERGY, Power: on ? 2010 : 0 } }) });
  }
  // Alex's phone: a location every five minutes, in the home region except 08:00-10:00 and from 13:00.
  for (const t of minutes("07:00", "14:00", 5)) {
    const home = t < at("08:00") || (t >= at("10:00") && t < at("13:00"));
    lines.push({
      t,
      topic: "owntracks/alex/phone",
      payload: JSON.stringify({ ...location, tst: Date.parse(t) / 1000, ...(home ? { inregions: ["home"] } : {}) }),
    });
  }
  for (const [t, event] of [
    [at("08:00"), "leave"],
    [at("10:00"), "enter"],
    [at("13:00"), "leave"],
  ] as const)
    lines.push({ t, topic: "owntracks/alex/phone/event", payload: JSON.stringify({ ...transition, desc: "home", event, tst: Date.parse(t) / 1000 }) });
  return lines.map((l) => JSON.stringify(l)).join("\n");
}

describe("the stove left on with nobody home, from device payloads", () => {
  let events: { t: string; type: string; state?: string; group?: string; subject?: string; body?: string; from?: string; to?: string }[];

  beforeAll(async () => {
    events = await replayEvents<(typeof events)[number]>({
      config: "version: 1\nhost: hearth\nhost_ip: 192.0.2.40\nnotify:\n  recipients:\n    household: {}\n",
      rules: { yaml: RULES },
      input: tuesday(),
    });
  });

  it("alerts once after ten minutes with nobody home, reminds every 30 minutes, and resolves when Alex comes home", () => {
    const notes = events.filter((e) => e.type === "notification" && e.group === "appliance:stove").map((e) => [e.t.slice(11, 16), e.state, e.body]);
    expect(notes).toEqual([
      // power.on turns 1 once the stove has drawn over 10 W for a minute: 07:31. Alex leaves at 08:00.
      ["08:10", "ALERT", "The stove has been on since 2026-01-06 07:31:00 UTC (39m) and nobody is home."],
      ["08:40", "ALERT", "The stove has been on since 2026-01-06 07:31:00 UTC (1h9m) and nobody is home."],
      ["09:10", "ALERT", "The stove has been on since 2026-01-06 07:31:00 UTC (1h39m) and nobody is home."],
      ["09:40", "ALERT", "The stove has been on since 2026-01-06 07:31:00 UTC (2h9m) and nobody is home."],
      ["10:01", "OK", "The stove is no longer left on with nobody home: alex came home."],
      // Alex goes out again at 13:00 with the stove off: its plug still reports volts and kWh, which say nothing of it being on.
    ]);
  });
});
