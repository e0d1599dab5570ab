import { describe, expect, it } from "vitest";
import { TopicTrie } from "../../src/pipeline/topic-trie.js";

describe("topic trie", () => {
  const trie = new TopicTrie<string>();
  for (const f of ["tele/+device/SENSOR", "tele/+/STATE", "owntracks/+user/#rest", "sport/#", "+/+/LWT", "a/b/c", "#"]) trie.add(f, f);

  const match = (topic: string) => trie.match(topic).map((m) => [m.value, m.captures]);

  it("captures named wildcards", () => {
    expect(match("tele/kitchen_plug/SENSOR")).toEqual([
      ["#", {}],
      ["tele/+device/SENSOR", { device: "kitchen_plug" }],
    ]);
    expect(match("owntracks/jane/nokia/event")).toEqual([
      ["#", {}],
      ["owntracks/+user/#rest", { user: "jane", rest: "nokia/event" }],
    ]);
  });

  it("lets '#' match the parent level too [MQTT-4.7.1-2]", () => {
    expect(match("sport").map(([f]) => f)).toEqual(["#", "sport/#"]);
  });

  it("does not match topics starting with '$' with a leading wildcard [MQTT-4.7.2-1]", () => {
    expect(match("$SYS/broker/LWT")).toEqual([]);
  });

  it("matches exact levels only", () => {
    expect(match("a/b/c").map(([f]) => f)).toEqual(["#", "a/b/c"]);
    expect(match("a/b").map(([f]) => f)).toEqual(["#"]);
    expect(match("x/y/LWT").map(([f]) => f)).toEqual(["#", "+/+/LWT"]);
  });

  it("stays a single walk with hundreds of rules", () => {
    const big = new TopicTrie<number>();
    for (let i = 0; i < 500; i++) big.add(`site/+room/sensor${i}/+field`, i);
    expect(big.size).toBe(500);
    expect(big.match("site/kitchen/sensor417/temperature")).toEqual([{ value: 417, captures: { room: "kitchen", field: "temperature" } }]);
  });
});
