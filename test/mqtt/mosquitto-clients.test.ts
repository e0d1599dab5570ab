import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFixture } from "../helpers/fixtures.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { mosquittoPub } from "../helpers/mqtt.js";
import { waitFor } from "../helpers/wait.js";

/** A `mosquitto_sub` at the hub, its received messages printed one a line after a marker, its debug lines kept to see its SUBACK. */
class MosquittoSub {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child;

  constructor(port: number, version: "mqttv5" | "mqttv311", topic: string, count: number) {
    // -d prints "received SUBACK", so the test publishes only once the subscription holds; -C ends it after `count` messages, -W after 20 s at most.
    // stdbuf: line-buffered, since mosquitto_sub writes its debug lines to a pipe in blocks.
    this.child = spawn(
      "stdbuf",
      [
        "-oL",
        "mosquitto_sub",
        "-h",
        "127.0.0.1",
        "-p",
        String(port),
        "-V",
        version,
        "-t",
        topic,
        "-q",
        "1",
        "-d",
        "-C",
        String(count),
        "-W",
        "20",
        "-F",
        "MSG %t|%p|%r|%P",
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let rest = "";
    this.child.stdout.on("data", (d: Buffer) => {
      const parts = (rest + d.toString()).split("\n");
      rest = parts.pop() ?? "";
      this.lines.push(...parts);
    });
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }

  subscribed = () => this.lines.some((l) => l.includes("received SUBACK"));
  messages = () => this.lines.filter((l) => l.startsWith("MSG ")).map((l) => l.slice(4));
  kill = () => this.child.kill("SIGTERM");
}

const energy = readFixture("power/tasmota-sensor-energy.json").trim();

describe("Mosquitto's own clients, MQTT 5 and 3.1.1 side by side at the hub", () => {
  let t: TestHub;
  const subs: MosquittoSub[] = [];
  beforeAll(async () => {
    t = await startTestHub();
  });
  afterAll(async () => {
    for (const s of subs) s.kill();
    await t.stop();
  });

  it("mosquitto_sub -V mqttv5 and a 3.1.1 mosquitto_sub both get what mosquitto_pub -V mqttv5 and a 3.1.1 mosquitto_pub publish; only the MQTT 5 subscriber sees user properties [MQTT-3.3.2-17]", async () => {
    const v5 = new MosquittoSub(t.mqttPort, "mqttv5", "tele/#", 2);
    const v311 = new MosquittoSub(t.mqttPort, "mqttv311", "tele/#", 2);
    subs.push(v5, v311);
    await waitFor(() => v5.subscribed() && v311.subscribed(), "both subscriptions acknowledged");

    // An MQTT 5 publisher with a user property, as a newer device firmware would send, and a Tasmota speaking 3.1.1.
    await mosquittoPub(t.mqttPort, "tele/plug-v5/SENSOR", energy, { qos: 1, extra: ["-V", "mqttv5", "-D", "publish", "user-property", "room", "kitchen"] });
    await mosquittoPub(t.mqttPort, "tele/plug-v3/SENSOR", energy, { qos: 1, extra: ["-V", "mqttv311"] });

    expect(await v5.exited).toBe(0);
    expect(await v311.exited).toBe(0);
    // [MQTT-3.3.2-17]: the server passes user properties on unaltered to an MQTT 5 subscriber; a 3.1.1 one has no properties to receive.
    expect(v5.messages()).toEqual([`tele/plug-v5/SENSOR|${energy}|0|room:kitchen`, `tele/plug-v3/SENSOR|${energy}|0|`]);
    expect(v311.messages()).toEqual([`tele/plug-v5/SENSOR|${energy}|0|`, `tele/plug-v3/SENSOR|${energy}|0|`]);

    // Both devices' readings reach the pipeline alike.
    for (const device of ["plug-v5", "plug-v3"])
      await waitFor(
        () => t.samples.find((s) => s.metric === "power.watts" && s.tags.includes(`device:${device}`) && s.value === 2635),
        `power.watts from ${device}`,
      );
  });

  it("a message retained by mosquitto_pub -V mqttv5 reaches a later 3.1.1 mosquitto_sub, and a 3.1.1 retained one a later MQTT 5 subscriber, with the retain flag set [MQTT-3.3.1-9]", async () => {
    await mosquittoPub(t.mqttPort, "tele/hall-v5/LWT", "Online", { qos: 1, retain: true, extra: ["-V", "mqttv5"] });
    await mosquittoPub(t.mqttPort, "tele/hall-v3/LWT", "Online", { qos: 1, retain: true, extra: ["-V", "mqttv311"] });
    const v311 = new MosquittoSub(t.mqttPort, "mqttv311", "tele/hall-v5/LWT", 1);
    const v5 = new MosquittoSub(t.mqttPort, "mqttv5", "tele/hall-v3/LWT", 1);
    subs.push(v311, v5);
    expect(await v311.exited).toBe(0);
    expect(await v5.exited).toBe(0);
    expect(v311.messages()).toEqual(["tele/hall-v5/LWT|Online|1|"]);
    expect(v5.messages()).toEqual(["tele/hall-v3/LWT|Online|1|"]);
  });
});
