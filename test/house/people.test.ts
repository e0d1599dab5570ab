import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MqttClient } from "mqtt";
import { ManualClock } from "../../src/kit/clock.js";
import { readFixture, readMessages } from "../helpers/fixtures.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt, mosquittoPub } from "../helpers/mqtt.js";
import { asWant, rejected } from "../helpers/want.js";
import { waitFor } from "../helpers/wait.js";

const START = Date.UTC(2025, 0, 6, 7, 0, 0);
const MINUTE = 60_000;

describe("People: presence.home from OwnTracks, plain topics and other integrations, with staleness", () => {
  let t: TestHub;
  let clock: ManualClock;
  let client: MqttClient;
  beforeAll(async () => {
    clock = new ManualClock(START);
    t = await startTestHub({
      clock,
      rules: {
        "house.yaml": [
          "people:",
          "  jane:",
          "    owntracks: owntracks/jane/+",
          "    home_region: Home",
          "    stale_after: 30m",
          "  alex: presence/alex",
          "  sam: {}",
          "",
        ].join("\n"),
      },
    });
    client = await connectMqtt(t.mqttUrl);
  });
  afterAll(async () => {
    await client.endAsync();
    await t.stop();
  });

  const home = (person: string) => t.samples.filter((s) => s.metric === "presence.home" && s.tags.includes(`person:${person}`)).map((s) => s.value);
  const anyone = () => t.samples.filter((s) => s.metric === "presence.anyone_home").map((s) => s.value);
  const states = () => Object.fromEntries(t.hub.processing.presence.people(clock.now()).map((p) => [p.person, p.state]));
  const publish = async (topic: string, payload: string) => {
    const before = t.samples.length;
    await client.publishAsync(topic, payload, { qos: 1 });
    return before;
  };

  it("knows nobody before anyone reports", () => {
    expect(t.hub.processing.presence.people(clock.now())).toEqual([
      { person: "jane", state: "unknown", lastSeen: undefined, since: undefined },
      { person: "alex", state: "unknown", lastSeen: undefined, since: undefined },
      { person: "sam", state: "unknown", lastSeen: undefined, since: undefined },
    ]);
  });

  it("reads an OwnTracks location without the home region as away", async () => {
    // owntracks/booklet docs/guide/quicksetup.md (test/fixtures/presence/README.md): no inregions, so in no region.
    const [m] = readMessages("presence/owntracks-location.jsonl");
    await publish(m!.topic, m!.payload);
    await waitFor(() => home("jane").length === 1, "jane's presence");
    expect(t.samples.map(asWant)).toEqual([["presence.home", 0, undefined, ["person:jane"]]]);
    expect(states()).toEqual({ jane: "away", alex: "unknown", sam: "unknown" });
  });

  it("ignores a transition for another region and a waypoint, without calling them bad input", async () => {
    const before = await rejected(t.httpUrl, "wrong_type");
    // owntracks/booklet docs/features/waypoints.md: entering "My favorite coffee shop", and a waypoint with string numbers.
    await publish("owntracks/jane/nokia/event", readFixture("presence/owntracks-transition-enter.json"));
    await publish("owntracks/jane/nokia", readFixture("presence/owntracks-waypoint-string-numbers.json"));
    await publish("owntracks/jane/nokia/waypoint", readFixture("presence/owntracks-waypoint-string-numbers.json"));
    // A home transition as the booklet documents it (docs/tech/json.md, _type=transition), then a location inside it.
    await publish(
      "owntracks/jane/nokia/event",
      JSON.stringify({
        _type: "transition",
        event: "enter",
        desc: "home",
        lat: 48.85,
        lon: 2.29,
        tst: 1707060000,
        wtst: 1610104395,
        acc: 12,
        tid: "j1",
        t: "c",
        rid: "a1b2c3",
      }),
    );
    await publish(
      "owntracks/jane/nokia",
      JSON.stringify({ _type: "location", lat: 48.85, lon: 2.29, tst: 1707060010, tid: "j1", conn: "w", inregions: ["Home"], inrids: ["a1b2c3"] }),
    );
    await waitFor(() => home("jane").length === 3, "jane's transition and location");
    expect(home("jane")).toEqual([0, 1, 1]);
    expect(await rejected(t.httpUrl, "wrong_type")).toBe(before);
    expect(states().jane).toBe("home");
  });

  it("reads home/not_home, ON/OFF and 1/0 on a plain topic", async () => {
    for (const [payload, expected] of [
      ["not_home", 0],
      ["home", 1],
      ["OFF", 0],
      ["ON", 1],
      ["0", 0],
    ] as const) {
      await mosquittoPub(t.mqttPort, "presence/alex", payload);
      await waitFor(() => home("alex").at(-1) === expected && home("alex").length > 0, `alex ${payload}`);
    }
    expect(home("alex")).toEqual([0, 1, 0, 1, 0]);
  });

  it("follows presence.home samples that another integration emits (openHAB's presence switches)", () => {
    t.hub.pipeline.addSample({ metric: "presence.home", value: 0, tags: ["person:sam", "item:presence_sam"], time: clock.now(), kind: "gauge" });
    expect(states()).toEqual({ jane: "home", alex: "away", sam: "away" });
  });

  it("derives presence.anyone_home, and says nothing while it cannot be told", async () => {
    // One per report of a named person: jane's first (away, the others unknown) says nothing; then jane is
    // home through her transition, her location, alex's five reports and sam's.
    expect(anyone()).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    await publish(
      "owntracks/jane/nokia/event",
      JSON.stringify({
        _type: "transition",
        event: "leave",
        desc: "Home",
        tst: 1707063600,
        wtst: 1610104395,
        lat: 48.86,
        lon: 2.3,
        acc: 10,
        tid: "j1",
        t: "c",
      }),
    );
    await waitFor(() => anyone().at(-1) === 0, "nobody home");
    expect(states()).toEqual({ jane: "away", alex: "away", sam: "away" });
  });

  it("turns a person unknown after their staleness limit, and anyone_home with them", async () => {
    const seen = START; // jane's last report
    await mosquittoPub(t.mqttPort, "presence/alex", "home");
    await waitFor(() => anyone().at(-1) === 1, "alex home");
    const sent = anyone().length;
    clock.advance(29 * MINUTE);
    expect(states().jane).toBe("away");
    clock.advance(MINUTE);
    // 30 minutes without a report from jane: unknown, since the moment she went stale.
    expect(t.hub.processing.presence.people(clock.now()).find((p) => p.person === "jane")).toEqual({
      person: "jane",
      state: "unknown",
      lastSeen: seen,
      since: seen + 30 * MINUTE,
    });
    // Her going stale is when anyone_home may change; alex (12h by default) is home, so it is still 1.
    expect(anyone().slice(sent)).toEqual([1]);
    await mosquittoPub(t.mqttPort, "presence/alex", "not_home");
    await waitFor(() => home("alex").at(-1) === 0, "alex away");
    // Nobody is known home and jane is unknown: anyone_home cannot be told and is not sent.
    expect(anyone().slice(sent)).toEqual([1]);
    expect(t.hub.processing.presence.people(clock.now()).map((p) => p.state)).toEqual(["unknown", "away", "away"]);
  });

  it("counts a word that is not a presence state as bad input", async () => {
    const before = await rejected(t.httpUrl, "wrong_type");
    const reports = home("alex").length;
    await mosquittoPub(t.mqttPort, "presence/alex", "maybe");
    await waitFor(async () => (await rejected(t.httpUrl, "wrong_type")) === before + 1, "the rejection");
    expect(home("alex")).toHaveLength(reports);
    expect(states().alex).toBe("away");
  });
});
