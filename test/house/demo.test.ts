import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kit/clock.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { waitFor } from "../helpers/wait.js";

const RULES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../rules");
/** The shipped presets and house (appliances, people, tank), as the demo runs them. */
const shippedRules = () => Object.fromEntries(["presets.yaml", "house.yaml"].map((f) => [f, fs.readFileSync(path.join(RULES_DIR, f), "utf8")]));

describe("The demo house through the shipped rules", () => {
  let t: TestHub;
  // The simulator tells the story by the clock's local time of day: 07:00 here.
  const clock = new ManualClock(new Date(2025, 0, 6, 7, 0, 0));
  beforeAll(async () => {
    t = await startTestHub({ clock, rules: shippedRules(), config: { simulator: { enabled: true, interval: "2m" } } });
  });
  afterAll(() => t.stop());

  const last = (metric: string, tag: string) => t.samples.filter((s) => s.metric === metric && s.tags.includes(tag)).at(-1)?.value;
  const kitchenReports = () => t.samples.filter((s) => s.metric === "power.watts" && s.tags.includes("device:kitchen_plug")).length;

  it("shows the stove and the curling iron on while Alex is out, and the tank's water", async () => {
    // Every tick is two minutes of the house's day.
    // Up to 08:50: the stove has been on since 07:30, the curling iron since 07:40, Alex left at 08:00.
    await waitFor(() => kitchenReports() >= 1, "the first tick");
    for (let tick = 1; tick <= 55; tick++) {
      clock.advance(120_000);
      await waitFor(() => kitchenReports() >= tick + 1, `tick ${tick}`);
    }
    await waitFor(() => last("presence.home", "person:alex") === 0, "Alex away");
    expect(last("power.on", "appliance:stove")).toBe(1);
    expect(last("power.on", "appliance:curling_iron")).toBe(1);
    expect(t.samples.filter((s) => s.metric === "presence.home").map((s) => s.value)).toContain(1);
    expect(t.samples.filter((s) => s.metric === "presence.anyone_home").at(-1)?.value).toBe(0);
    expect(t.hub.processing.presence.people(clock.now()).map((p) => [p.person, p.state])).toEqual([["alex", "away"]]);
    const ph = t.samples.filter((s) => s.metric === "hydro.ph").at(-1)!;
    expect(ph.tags).toEqual(expect.arrayContaining(["tank:tank1", "crop:lettuce"]));
    expect(ph.value).toBeGreaterThan(5);
    expect(ph.value).toBeLessThan(6.5);
  });
});
