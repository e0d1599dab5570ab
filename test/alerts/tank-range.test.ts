import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kit/clock.js";
import { ROOT } from "../helpers/cli.js";
import { readMessages } from "../helpers/fixtures.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { replayEvents } from "../helpers/replay.js";
import { waitFor } from "../helpers/wait.js";

/**
 * The shipped tank monitors (rules/alerts.yaml: "tank pH" on tank1's crop range, "tank needs
 * water" on its refill mark) over a replayed Tuesday of the tank node's SENSOR frames, through
 * `hearth replay` and the shipped rules/ as they are (the lettuce range 5.5–6.5 comes from
 * `crop: lettuce` in rules/house.yaml; the pH from the ADC through its two-point calibration).
 * The frames are the Tasmota tank node's recording (test/fixtures/hydroponics/README.md, from
 * https://github.com/arendst/Tasmota/issues/16942) with ANALOG.A1 and HX711.Weight set per minute.
 */
const at = (hhmm: string) => Date.parse(`2026-01-06T${hhmm}:00.000Z`);
/** The inverse of rules/house.yaml's calibration [[1980, 4.0], [1500, 7.0]]. */
const rawFor = (ph: number) => Math.round(1980 - ((ph - 4) * (1980 - 1500)) / 3);

/** The pH of the solution minute by minute (UTC, a weekday morning: 10:00 onwards in Berlin is outside quiet hours). */
function phAt(t: number): number {
  if (t >= at("09:10") && t < at("09:12")) return 6.9; // a probe's spike: two minutes, lost in the 15-minute average
  if (t < at("09:30")) return 6.0;
  if (t < at("10:30")) return 6.35; // inside the range, within the 0.3 warning margin of its top
  if (t < at("11:30")) return t % 120_000 === 0 ? 6.65 : 6.75; // out, a noisy probe
  if (t < at("12:00")) return 6.45; // back inside, but not 0.1 inside: still an alert
  return 6.0;
}

function tuesday(): string {
  const frame = JSON.parse(readMessages("hydroponics/tasmota-tank-sensor-analog-ph-ec-watertemp.jsonl")[1]!.payload) as Record<string, Record<string, unknown>>;
  const lines: string[] = [];
  for (let t = at("09:00"); t < at("14:00"); t += 60_000) {
    const weight = t < at("12:30") ? 40.2 : 24.6;
    const payload = { ...frame, ANALOG: { ...frame.ANALOG, A1: rawFor(phAt(t)) }, HX711: { ...frame.HX711, Weight: weight } };
    lines.push(JSON.stringify({ t: new Date(t).toISOString(), topic: "tele/tank1/SENSOR", payload: JSON.stringify(payload) }));
  }
  return lines.join("\n");
}

interface Event {
  t: string;
  type: string;
  monitor?: string;
  state?: string;
  group?: string;
  subject?: string;
  body?: string;
  from?: string;
  to?: string;
  value?: number;
  muted?: boolean;
}

describe("the shipped tank monitors on a replayed day of the tank node", () => {
  let events: Event[];
  const of = (monitor: string) => events.filter((e) => e.monitor === monitor);

  beforeAll(async () => {
    events = await replayEvents<Event>({
      config: "version: 1\nhost: hearth\nnotify:\n  recipients:\n    household: {}\n",
      rules: { dir: path.join(ROOT, "rules") },
      input: tuesday(),
    });
  });

  it("warns near the edge of the crop's range, alerts outside it, and names the crop, the range and the reading", () => {
    const notes = of("tank pH")
      .filter((e) => e.type === "notification")
      .map((e) => [e.t.slice(11, 16), e.state, e.subject, e.body]);
    expect(notes).toEqual([
      // From 09:30 at 6.35: the 15-minute average passes 6.2 (0.3 under the top) at 09:39 and holds 10 minutes.
      ["09:49", "WARN", "[Warn on {tank:tank1}] tank pH", "tank1: pH 6.35, close to the edge of the lettuce range (5.5–6.5)."],
      // From 10:30 at 6.65/6.75: the average passes 6.5 at 10:36 and holds 10 minutes.
      ["10:46", "ALERT", "[Triggered on {tank:tank1}] tank pH", "tank1: pH 6.7, above the lettuce range (5.5–6.5): add pH down."],
      // 6.45 from 11:30 is inside the range but not 0.1 inside: the alert holds until 6.0 from 12:00 pulls the average to 6.4,
      ["12:02", "WARN", "[Warn on {tank:tank1}] tank pH", "tank1: pH 6.39, close to the edge of the lettuce range (5.5–6.5)."],
      // and the warning until it is 0.1 under the warning's 6.2.
      ["12:11", "OK", "[Recovered on {tank:tank1}] tank pH", "tank1: pH 6.1, back inside the lettuce range (5.5–6.5)."],
      // The frames end at 13:59; no_data_timeframe is 1h.
      ["14:59", "NO_DATA", "[No data on {tank:tank1}] tank pH", "The pH probe of tank1 has sent nothing for an hour."],
    ]);
  });

  it("does not flap: a two-minute spike is averaged away, and a reading back inside by less than the hysteresis stays an alert", () => {
    const transitions = of("tank pH")
      .filter((e) => e.type === "transition")
      .map((e) => [e.t.slice(11, 16), e.from, e.to]);
    expect(transitions).toEqual([
      ["09:49", "OK", "WARN"],
      ["10:46", "WARN", "ALERT"],
      ["12:02", "ALERT", "WARN"],
      ["12:11", "WARN", "OK"],
      ["14:59", "OK", "NO_DATA"],
    ]);
  });

  it("tells the household to refill once the reservoir has been under its refill mark for 15 minutes", () => {
    const notes = of("tank needs water")
      .filter((e) => e.type === "notification")
      .map((e) => [e.t.slice(11, 16), e.state, e.body]);
    // Under 30 kg from 12:30: the average is under it at 12:40, and holds 15 minutes.
    expect(notes).toEqual([["12:55", "ALERT", "tank1: level 24.6 kg, below the refill mark (30 kg): top up the reservoir."]]);
  });
});

describe("a tank_range monitor on a live hub, fed over MQTT", () => {
  // The tank node's recorded frame (ANALOG.A1 1711 is pH 5.68 through this calibration), on a
  // tank whose own ph_range [5.8, 6.2] narrows the lettuce range.
  const RULES = `
tanks:
  bed:
    crop: lettuce
    topic: tele/Tanksensor/SENSOR
    ph: {path: ANALOG.A1, calibrate: [[1980, 4.0], [1500, 7.0]]}
    ph_range: [5.8, 6.2]
monitors:
  - {name: bed pH, type: tank_range, reading: ph, window: 2m, for: 2m}
`;
  const clock = new ManualClock(Date.parse("2026-01-07T12:00:00Z"));
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ clock, rules: { "tank.yaml": RULES } });
  });
  afterAll(() => t.stop());

  it("alerts after `for` with the tank's own range in the message, and serves the state and value on /api/alerts", async () => {
    const [, frame] = readMessages("hydroponics/tasmota-tank-sensor-analog-ph-ec-watertemp.jsonl");
    const client = await connectMqtt(t.mqttUrl);
    const events = async () =>
      ((await (await fetch(`${t.httpUrl}/api/events`)).json()) as { events: { type: string; state?: string; body?: string }[] }).events;
    for (let minute = 0; minute < 3; minute++) {
      const before = t.samples.length;
      await client.publishAsync(frame!.topic, frame!.payload, { qos: 1 });
      await waitFor(() => t.samples.length > before, "the pH sample");
      clock.advance(60_000);
      // Out of the range from the first evaluation (12:01), ALERT once it has held 2 minutes.
      if (minute < 2) expect((await events()).filter((e) => e.type === "notification")).toEqual([]);
    }
    await client.endAsync();
    const alert = await waitFor(async () => (await events()).find((e) => e.type === "notification" && e.state === "ALERT"), "the ALERT notification");
    expect(alert.body).toBe("bed: pH 5.68, below bed's own range (5.8–6.2).");
    const { alerts } = (await (await fetch(`${t.httpUrl}/api/alerts`)).json()) as {
      alerts: { monitor: string; type: string; group: string; state: string; value: number }[];
    };
    expect(alerts.find((a) => a.monitor === "bed pH")).toMatchObject({ type: "tank_range", group: "tank:bed", state: "ALERT", value: 5.68125 });
  });
});
