import { describe, expect, it } from "vitest";
import { SeriesNamer } from "../../src/pipeline/normalize.js";

describe("series namer cache", () => {
  it("hands out one series object per raw metric and tags, whichever arrays carry the tags", () => {
    const namer = new SeriesNamer(["env:home"]);
    const a = namer.name("power.watts", ["device:Pow1", "source:tasmota"]);
    expect(a).toEqual({ key: "power.watts|device:pow1,env:home,source:tasmota", metric: "power.watts", tags: ["device:pow1", "env:home", "source:tasmota"] });
    expect(namer.name("power.watts", ["device:Pow1", "source:tasmota"])).toBe(a);
    expect(namer.name("power.voltage", ["device:Pow1", "source:tasmota"]).tags).toBe(namer.name("power.voltage", ["device:Pow1", "source:tasmota"]).tags);
  });

  it("tells apart tags that are a prefix of others, and the same tags in another order", () => {
    const namer = new SeriesNamer([]);
    const short = namer.name("m", ["a:1"]);
    const long = namer.name("m", ["a:1", "b:2"]);
    const none = namer.name("m", []);
    expect([short.key, long.key, none.key]).toEqual(["m|a:1", "m|a:1,b:2", "m"]);
    expect(namer.name("m", ["b:2", "a:1"]).key).toBe("m|a:1,b:2");
  });

  it("does not trust an array it saw before once its contents changed", () => {
    const namer = new SeriesNamer([]);
    const tags = ["device:one"];
    expect(namer.name("m", tags).key).toBe("m|device:one");
    tags[0] = "device:two";
    expect(namer.name("m", tags).key).toBe("m|device:two");
    tags.push("room:hall");
    expect(namer.name("m", tags).key).toBe("m|device:two,room:hall");
  });

  it("forgets everything past its limit and names again to the same keys", () => {
    const namer = new SeriesNamer([], 3);
    const first = namer.name("m", ["device:0"]);
    for (let i = 1; i < 5; i++) namer.name("m", [`device:${i}`]);
    const again = namer.name("m", ["device:0"]);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });
});
