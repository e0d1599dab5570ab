import { describe, expect, it } from "vitest";
import { CalendarSchedule } from "../../src/alerts/calendar.js";
import { Calendar } from "../../src/alerts/calendar-schema.js";

const calendar = (timezone: string, windows: unknown[]) => new CalendarSchedule(Calendar.parse({ name: "c", timezone, windows }));
const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
const list = (c: CalendarSchedule, from: string, to: string) => c.windows(Date.parse(from), Date.parse(to)).map((w) => `${iso(w.start)} → ${iso(w.end)}`);

// The story's quiet hours (docs/design.md): Monday to Friday 19:00-09:00 and all weekend, as in
// docs/datadog-semantics.md §4.2 (Mon-Thu 19:00 for 14h, Fri 19:00 to Mon 09:00).
const quietHours = [{ days: "mon-fri", from: "19:00", to: "09:00" }, { days: ["sat", "sun"] }];

describe("downtime calendars", () => {
  it("turns the story's quiet hours into one window per weekday night and one for the weekend, merged", () => {
    expect(list(calendar("UTC", quietHours), "2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z")).toEqual([
      "2026-01-02T19:00:00Z → 2026-01-05T09:00:00Z",
      "2026-01-05T19:00:00Z → 2026-01-06T09:00:00Z",
      "2026-01-06T19:00:00Z → 2026-01-07T09:00:00Z",
      "2026-01-07T19:00:00Z → 2026-01-08T09:00:00Z",
      "2026-01-08T19:00:00Z → 2026-01-09T09:00:00Z",
      "2026-01-09T19:00:00Z → 2026-01-12T09:00:00Z",
    ]);
  });

  // docs/datadog-semantics.md Trap 20: a fixed duration moves the local end across a DST change; a
  // window here ends at its local time. Europe/Berlin: CET (+01:00) / CEST (+02:00), changing on
  // 2026-03-29 and 2026-10-25.
  it("ends each window at its local time on both sides of both daylight-saving changes (Europe/Berlin)", () => {
    const berlin = calendar("Europe/Berlin", quietHours);
    expect(list(berlin, "2026-03-26T12:00:00Z", "2026-03-31T12:00:00Z")).toEqual([
      "2026-03-26T18:00:00Z → 2026-03-27T08:00:00Z", // Thu 19:00 CET → Fri 09:00 CET
      "2026-03-27T18:00:00Z → 2026-03-30T07:00:00Z", // Fri 19:00 CET → Mon 09:00 CEST: 61 hours, not 62
      "2026-03-30T17:00:00Z → 2026-03-31T07:00:00Z", // Mon 19:00 CEST → Tue 09:00 CEST
    ]);
    expect(list(berlin, "2026-10-22T12:00:00Z", "2026-10-27T12:00:00Z")).toEqual([
      "2026-10-22T17:00:00Z → 2026-10-23T07:00:00Z", // Thu 19:00 CEST → Fri 09:00 CEST
      "2026-10-23T17:00:00Z → 2026-10-26T08:00:00Z", // Fri 19:00 CEST → Mon 09:00 CET: 63 hours
      "2026-10-26T18:00:00Z → 2026-10-27T08:00:00Z", // Mon 19:00 CET → Tue 09:00 CET
    ]);
  });

  it("keeps a nightly window at its wall-clock hours through the night the clocks change", () => {
    const nightly = calendar("Europe/Berlin", [{ from: "22:00", to: "06:00" }]);
    expect(list(nightly, "2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z")).toEqual(["2026-03-28T21:00:00Z → 2026-03-29T04:00:00Z"]); // 7 hours
    expect(list(nightly, "2026-10-24T12:00:00Z", "2026-10-25T12:00:00Z")).toEqual(["2026-10-24T20:00:00Z → 2026-10-25T05:00:00Z"]); // 9 hours
  });

  it("reads a weekday-to-weekday span, an all-day date, hours on a date and a one-off start/end", () => {
    const c = calendar("Europe/Berlin", [
      { from: "fri 22:00", to: "sat 02:00" },
      { date: "2026-12-24" },
      { date: "2026-12-31", from: "18:00", to: "24:00" },
      { start: "2027-01-01T00:00", end: "2027-01-01T03:00" },
    ]);
    expect(list(c, "2026-12-17T00:00:00Z", "2027-01-03T00:00:00Z")).toEqual([
      "2026-12-18T21:00:00Z → 2026-12-19T01:00:00Z",
      "2026-12-23T23:00:00Z → 2026-12-24T23:00:00Z",
      "2026-12-25T21:00:00Z → 2026-12-26T01:00:00Z",
      // Thursday 31st 18:00 to 24:00, then the one-off to 03:00: adjacent, so merged into one window.
      "2026-12-31T17:00:00Z → 2027-01-01T02:00:00Z",
      "2027-01-01T21:00:00Z → 2027-01-02T01:00:00Z",
    ]);
  });

  it("places RRULE days at their local hours all year (FREQ=MONTHLY;BYDAY=1SA, 22:00-02:00)", () => {
    const c = calendar("Europe/Berlin", [{ rrule: "FREQ=MONTHLY;BYDAY=1SA", from: "22:00", to: "02:00", start: "2026-01-01" }]);
    expect(list(c, "2026-02-01T00:00:00Z", "2026-05-01T00:00:00Z")).toEqual([
      "2026-02-07T21:00:00Z → 2026-02-08T01:00:00Z",
      "2026-03-07T21:00:00Z → 2026-03-08T01:00:00Z",
      "2026-04-04T20:00:00Z → 2026-04-05T00:00:00Z", // CEST: same local hours, an hour earlier in UTC
    ]);
  });

  it("says which window is in force and which comes next", () => {
    const c = calendar("UTC", quietHours);
    expect(c.activeAt(Date.parse("2026-01-05T08:59:59Z"))?.end).toBe(Date.parse("2026-01-05T09:00:00Z"));
    expect(c.activeAt(Date.parse("2026-01-05T09:00:00Z"))).toBeUndefined(); // [start, end)
    expect(c.activeAt(Date.parse("2026-01-05T19:00:00Z"))?.start).toBe(Date.parse("2026-01-05T19:00:00Z"));
    expect(c.nextAfter(Date.parse("2026-01-05T12:00:00Z"))?.start).toBe(Date.parse("2026-01-05T19:00:00Z"));
    const always = calendar("UTC", [{}]);
    expect(always.activeAt(Date.parse("2026-06-01T00:00:00Z"))!.end).toBeGreaterThan(Date.parse("2027-01-01T00:00:00Z"));
    expect(calendar("UTC", [{ date: "2020-01-01" }]).nextAfter(Date.parse("2026-01-01T00:00:00Z"))).toBeUndefined();
  });
});
