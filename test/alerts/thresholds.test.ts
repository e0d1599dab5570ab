import { describe, expect, it } from "vitest";
import { holdFor, levelFor, passesRecovery, type Hold } from "../../src/alerts/state.js";

describe("thresholds and recovery", () => {
  // docs/datadog-semantics.md §3.3, "Recovery rule": for > T recovery needs <= R, >= needs <, < needs >=, <= needs >.
  it("recovers only once the value passes the recovery threshold, per comparator", () => {
    expect([passesRecovery(70, ">", 70), passesRecovery(70.1, ">", 70)]).toEqual([true, false]);
    expect([passesRecovery(69.9, ">=", 70), passesRecovery(70, ">=", 70)]).toEqual([true, false]);
    expect([passesRecovery(70, "<", 70), passesRecovery(69.9, "<", 70)]).toEqual([true, false]);
    expect([passesRecovery(70.1, "<=", 70), passesRecovery(70, "<=", 70)]).toEqual([true, false]);
  });

  // The docs' example: {"critical":80,"warning":60,"critical_recovery":70,"warning_recovery":50}.
  it("holds ALERT until critical_recovery and WARN until warning_recovery (the documented example)", () => {
    const t = { critical: 80, warning: 60, critical_recovery: 70, warning_recovery: 50 };
    expect(levelFor(81, ">", t, "OK")).toBe("ALERT");
    expect(levelFor(75, ">", t, "ALERT")).toBe("ALERT"); // below critical, above critical_recovery
    expect(levelFor(75, ">", t, "OK")).toBe("WARN"); // coming from below, 75 is a warning
    expect(levelFor(70, ">", t, "ALERT")).toBe("WARN"); // passed critical_recovery, still above warning
    expect(levelFor(55, ">", t, "WARN")).toBe("WARN"); // below warning, above warning_recovery
    expect(levelFor(55, ">", t, "ALERT")).toBe("WARN");
    expect(levelFor(55, ">", t, "OK")).toBe("OK");
    expect(levelFor(50, ">", t, "WARN")).toBe("OK");
  });

  it("recovers as soon as the condition is no longer met without recovery thresholds", () => {
    const t = { critical: 800, warning: 500 };
    expect(levelFor(800, ">", t, "ALERT")).toBe("WARN");
    expect(levelFor(500, ">", t, "WARN")).toBe("OK");
    expect(levelFor(5, "<", { critical: 10, warning: 20 }, "OK")).toBe("ALERT");
    expect(levelFor(15, "<", { critical: 10, warning: 20 }, "OK")).toBe("WARN");
  });

  // `for` is beyond Datadog (README "What differs from Datadog").
  it("moves to a worse level only after it has been called for continuously for `for`, and back at once", () => {
    const hold: Hold = {};
    const m = 60_000;
    expect(holdFor("ALERT", "OK", hold, 0, 3 * m)).toBe("OK");
    expect(holdFor("ALERT", "OK", hold, 2 * m, 3 * m)).toBe("OK");
    expect(holdFor("ALERT", "OK", hold, 3 * m, 3 * m)).toBe("ALERT");
    expect(holdFor("WARN", "ALERT", hold, 4 * m, 3 * m)).toBe("WARN"); // better: at once
    expect(holdFor("ALERT", "WARN", hold, 5 * m, 3 * m)).toBe("WARN"); // the ALERT hold restarted at 5m
    expect(holdFor("ALERT", "WARN", hold, 8 * m, 3 * m)).toBe("ALERT");
    expect(holdFor("OK", "ALERT", hold, 9 * m, 3 * m)).toBe("OK");
    expect(holdFor("WARN", "OK", hold, 10 * m, 0)).toBe("WARN"); // no `for`: at once
  });
});
