import { describe, expect, it } from "vitest";
import { filterProblems, levelsCover, levelsMatch, levelsOf, literalPrefix } from "../../src/mqtt/topic.js";

const topicMatches = (filter: string, topic: string) => levelsMatch(levelsOf(filter), levelsOf(topic));
const filterCovers = (outer: string, inner: string) => levelsCover(levelsOf(outer), levelsOf(inner));

describe("MQTT topic filters (MQTT 3.1.1 §4.7)", () => {
  it.each([
    ["tele/+/SENSOR", "tele/plug1/SENSOR", true],
    ["tele/+/SENSOR", "tele/plug1/STATE", false],
    ["tele/#", "tele", true], // '#' also matches the parent level
    ["tele/#", "tele/a/b/c", true],
    ["+/+", "a/", true], // '+' matches an empty level
    ["#", "$SYS/broker/uptime", false], // [MQTT-4.7.2-1]
    ["+/broker/uptime", "$SYS/broker/uptime", false],
    ["$SYS/#", "$SYS/broker/uptime", true],
    ["a/b", "a/b/c", false],
  ])("%s matches %s: %s", (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });

  it.each([
    ["tele/#", "tele/+/SENSOR", true],
    ["tele/+/SENSOR", "tele/#", false],
    ["tele/+/SENSOR", "tele/plug1/SENSOR", true],
    ["tele/plug1/SENSOR", "tele/+/SENSOR", false],
    ["#", "a/#", true],
    ["a/+/#", "a/#", false], // "a/#" also matches "a", which "a/+/#" does not
    ["#", "$SYS/#", false],
    ["a/#", "a", true],
  ])("granting %s covers a subscription to %s: %s", (outer, inner, expected) => {
    expect(filterCovers(outer, inner)).toBe(expected);
  });

  it("says what is wrong with a filter", () => {
    expect(filterProblems("tele/#/SENSOR")).toEqual(["\"tele/#/SENSOR\": '#' is only allowed as the last level"]);
    expect(filterProblems("tele/plug+/x")).toEqual(["\"tele/plug+/x\": '+' and '#' must fill a whole level, as in \"tele/+/SENSOR\""]);
    expect(filterProblems("")).toEqual(["a topic filter cannot be empty"]);
    expect(filterProblems("tele/+/#")).toEqual([]);
  });

  it("finds the literal start every matching topic shares", () => {
    expect(literalPrefix("tele/+/SENSOR")).toBe("tele");
    expect(literalPrefix("a/b/#")).toBe("a/b");
    expect(literalPrefix("#")).toBe("");
    expect(literalPrefix("a/b")).toBe("a/b");
  });
});
