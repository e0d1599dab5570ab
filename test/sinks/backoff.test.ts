import { describe, expect, it } from "vitest";
import { backoffDelay as backoffWithJitter, EQUAL_JITTER } from "../../src/kit/backoff.js";
import { compilePatterns } from "../../src/sinks/policy.js";

/** The sinks' retry schedule: equal jitter. */
const backoffDelay = (attempt: number, min: number, max: number, random: () => number) => backoffWithJitter(attempt, min, max, EQUAL_JITTER, random);

describe("retry backoff", () => {
  it("doubles from the first delay, never passes the cap of a minute, and spreads retries over the upper half", () => {
    const lowest = Array.from({ length: 10 }, (_, attempt) => backoffDelay(attempt, 1_000, 60_000, () => 0));
    const highest = Array.from({ length: 10 }, (_, attempt) => backoffDelay(attempt, 1_000, 60_000, () => 1));
    expect(highest).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000]);
    expect(lowest).toEqual(highest.map((d) => d / 2));
    expect(backoffDelay(1_000, 1_000, 60_000, () => 0.5)).toBe(45_000);
  });
});

describe("forward patterns", () => {
  it("match whole metric names, with * for any characters, dots included", () => {
    const re = compilePatterns(["power.*", "*.wifi.*", "my_metric"]);
    expect(["power.watts", "power.energy.total", "device.wifi.rssi", "my_metric"].filter((m) => re.test(m))).toHaveLength(4);
    expect(["powerwatts", "hydro.ph", "my_metric2", "device.wifi"].filter((m) => re.test(m))).toEqual([]);
    expect(compilePatterns([]).test("anything")).toBe(false);
  });
});
