import { describe, expect, it } from "vitest";
import { readValue, stateWords } from "../../src/pipeline/value.js";

describe("reading a value", () => {
  it.each([
    [21.5, { ok: true, value: 21.5 }],
    ["21.5", { ok: true, value: 21.5 }],
    [" -3e2 ", { ok: true, value: -300 }],
    ["21.5 °C", { ok: true, value: 21.5, unit: "°C" }],
    ["1013 hPa", { ok: true, value: 1013, unit: "hPa" }],
    ["120W", { ok: true, value: 120, unit: "W" }],
    ["284.9626891614299 °", { ok: true, value: 284.9626891614299, unit: "°" }],
    ["5 MB/s", { ok: true, value: 5, unit: "MB/s" }],
    ["ON", { ok: true, value: 1, state: "ON" }],
    ["off", { ok: true, value: 0, state: "off" }],
    ["Online", { ok: true, value: 1, state: "Online" }],
    ["not_home", { ok: true, value: 0, state: "not_home" }],
    ["CLOSED", { ok: true, value: 0, state: "CLOSED" }],
    [true, { ok: true, value: 1, state: "true" }],
  ])("%j", (raw, want) => {
    expect(readValue(raw)).toEqual(want);
  });

  it.each([
    ["nan", "nan"],
    ["NaN", "nan"],
    ["-inf", "not_finite"],
    ["1e999", "not_finite"],
    ["-1e999 W", "not_finite"],
    [Infinity, "not_finite"],
    [NaN, "nan"],
    ["0x1F", "wrong_type"],
    ["12abc", "wrong_type"],
    ["1_000", "wrong_type"],
    ["constructor", "wrong_type"],
    ["__proto__", "wrong_type"],
    ["toString", "wrong_type"],
    ["hasOwnProperty", "wrong_type"],
    ["", "empty"],
    ["Normal", "wrong_type"],
    [{ a: 1 }, "wrong_type"],
    [[1, 2], "wrong_type"],
  ])("rejects %j as %s", (raw, reason) => {
    const r = readValue(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe(reason);
  });

  it("treats null and missing as nothing to report, not as bad input", () => {
    expect(readValue(null)).toMatchObject({ ok: false, reason: "null" });
    expect(readValue(undefined)).toMatchObject({ ok: false, reason: "null" });
  });

  it("uses the homeowner's own words when given", () => {
    expect(readValue("ajar", stateWords({ ajar: 0.5 }))).toEqual({ ok: true, value: 0.5, state: "ajar" });
    expect(readValue("ON", stateWords({ ajar: 0.5 }))).toMatchObject({ ok: false, reason: "wrong_type" });
  });
});
