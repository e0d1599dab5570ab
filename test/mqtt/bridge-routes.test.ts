import { describe, expect, it } from "vitest";
import { backoffDelay as backoffWithJitter } from "../../src/kit/backoff.js";
import { EchoFilter } from "../../src/mqtt/bridge/echo.js";
import { RECONNECT_JITTER } from "../../src/mqtt/bridge/link.js";
import { compileRoutes, rewrite } from "../../src/mqtt/bridge/routes.js";
import { BridgeConfig } from "../../src/mqtt/bridge/schema.js";

/** The bridges' reconnection schedule, with the jitter the link uses. */
const backoffDelay = (attempt: number, min: number, max: number, random: () => number) => backoffWithJitter(attempt, min, max, RECONNECT_JITTER, random);

const routesOf = (topics: unknown[]) => compileRoutes(BridgeConfig.parse({ name: "house", url: "mqtt://192.0.2.1", topics }).topics);

describe("bridge topic routes (Mosquitto's topic pattern direction qos local-prefix remote-prefix)", () => {
  const r = routesOf([
    { topic: "tele/#", direction: "in", local_prefix: "house/", qos: 0 },
    { topic: "alerts/#", direction: "out", remote_prefix: "hearth/", local_prefix: "home/" },
    { topic: "shared/+", direction: "both" },
  ]);

  it("subscribes at the remote broker to every inbound filter with its remote prefix", () => {
    expect(r.remoteSubscriptions).toEqual([
      { topic: "tele/#", qos: 0 },
      { topic: "shared/+", qos: 1 },
    ]);
  });

  it("rewrites prefixes both ways and caps the QoS at the rule's", () => {
    expect(rewrite(r.inbound, "tele/plug1/SENSOR", 1)).toEqual({ topic: "house/tele/plug1/SENSOR", qos: 0 });
    expect(rewrite(r.outbound, "home/alerts/stove", 2)).toEqual({ topic: "hearth/alerts/stove", qos: 1 });
    expect(rewrite(r.outbound, "alerts/stove", 1)).toBeUndefined();
    expect(rewrite(r.inbound, "shared/x", 0)).toEqual({ topic: "shared/x", qos: 0 });
    expect(rewrite(r.outbound, "shared/x", 1)).toEqual({ topic: "shared/x", qos: 1 });
  });

  it("refuses a rule that would bring messages into reserved topics", () => {
    const parsed = BridgeConfig.safeParse({ name: "x", url: "mqtt://192.0.2.1", topics: [{ topic: "alerts/#", local_prefix: "hearth/" }] });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({
      path: ["topics", 0, "local_prefix"],
      message: 'messages coming in would land on Hearth\'s own "hearth/" topics',
    });
  });
});

describe("reconnection backoff", () => {
  it("doubles from min up to max, with ±20 % jitter", () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, 1000, 5000, mid))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(backoffDelay(0, 1000, 5000, () => 0)).toBe(800);
    expect(backoffDelay(9, 1000, 5000, () => 0.999999)).toBe(6000);
  });
});

describe("echo filter for MQTT 3.1.1 links", () => {
  it("drops the first copy of a message the bridge sent, once", () => {
    const f = new EchoFilter(2);
    f.sent("shared/a", Buffer.from("1"));
    expect(f.isEcho("shared/a", Buffer.from("2"))).toBe(false);
    expect(f.isEcho("shared/a", Buffer.from("1"))).toBe(true);
    expect(f.isEcho("shared/a", Buffer.from("1"))).toBe(false);
  });

  it("forgets the oldest expectations beyond its capacity", () => {
    const f = new EchoFilter(2);
    for (const p of ["1", "2", "3"]) f.sent("t", Buffer.from(p));
    expect(f.isEcho("t", Buffer.from("1"))).toBe(false);
    expect(f.isEcho("t", Buffer.from("3"))).toBe(true);
  });
});
