import dgram from "node:dgram";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kit/clock.js";
import { startIntake, type DatadogIntake } from "../helpers/datadog-intake.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { waitFor } from "../helpers/wait.js";

const RULES = {
  "meters.yaml": {
    version: 1,
    mappings: [
      { topic: "meter/+device/power", metric: "power.watts", unit: "W", tags: ["device:{device}"] },
      { topic: "meter/+device/pulses", metric: "meter.pulses", kind: "count", tags: ["device:{device}"] },
      { topic: "meter/+device/total", metric: "meter.energy_total", kind: "monotonic", tags: ["device:{device}"] },
    ],
  },
};

const START = Date.UTC(2026, 0, 15, 11, 0, 0);

interface Line {
  metric: string;
  value: number;
  type: string;
  tags: string[];
  timestamp: number;
}

/** The DogStatsD metric format: `<name>:<value>|<type>|#<tags>|T<unix seconds>` (docs: extend/dogstatsd/datagram_shell). */
function parseLines(payload: string): Line[] {
  expect(payload.endsWith("\n")).toBe(true);
  return payload
    .slice(0, -1)
    .split("\n")
    .map((line) => {
      const m = /^([A-Za-z][A-Za-z0-9_.]*):(-?[0-9.e+-]+)\|(g|c)\|#([^|]+)\|T(\d+)$/.exec(line);
      if (!m) throw new Error(`not a DogStatsD metric line: ${JSON.stringify(line)}`);
      return { metric: m[1]!, value: Number(m[2]), type: m[3]!, tags: m[4]!.split(","), timestamp: Number(m[5]) };
    });
}

/** A stand-in for the agent's UDP listener: a real socket that keeps every datagram. */
async function udpAgent(port = 0): Promise<{ socket: dgram.Socket; port: number; datagrams: Buffer[] }> {
  const socket = dgram.createSocket("udp4");
  const datagrams: Buffer[] = [];
  socket.on("message", (msg) => datagrams.push(msg));
  await new Promise<void>((resolve) => socket.bind(port, "127.0.0.1", resolve));
  return { socket, port: socket.address().port, datagrams };
}

let hub: TestHub | undefined;
let mqtt: MqttClient | undefined;
let intake: DatadogIntake | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  await mqtt?.endAsync();
  await hub?.stop();
  await intake?.stop();
  for (const c of cleanups.splice(0)) c();
  hub = mqtt = intake = undefined;
});

async function publish(t: TestHub, client: MqttClient, messages: [string, string][]): Promise<void> {
  const before = t.samples.length;
  for (const [topic, payload] of messages) await client.publishAsync(topic, payload, { qos: 1 });
  await waitFor(() => t.samples.length >= before + messages.length, `${messages.length} samples`);
}

const component = async (t: TestHub, name: string) =>
  ((await (await fetch(`${t.httpUrl}/healthz`)).json()) as { components: Record<string, { state: string; detail?: string; info?: { last_success?: string } }> })
    .components[name]!;

describe("forwarding to a local agent over DogStatsD", () => {
  it("packs tagged, timestamped metric lines into UDP datagrams of at most 1432 bytes", async () => {
    const agent = await udpAgent();
    cleanups.push(() => agent.socket.close());
    const clock = new ManualClock(START);
    hub = await startTestHub({ clock, rules: RULES, config: { tags: ["env:test"], dogstatsd: { port: agent.port } } });
    mqtt = await connectMqtt(hub.mqttUrl);
    const devices = Array.from({ length: 40 }, (_, i) => `plug${i}`);
    await publish(hub, mqtt, [
      ...devices.map((d, i) => [`meter/${d}/power`, String(i * 10)] as [string, string]),
      ["meter/plug0/pulses", "2"],
      ["meter/plug0/pulses", "3"],
      ["meter/plug0/total", "100"],
    ]);
    clock.advance(5_000);
    await publish(hub, mqtt, [["meter/plug0/total", "150"]]);
    clock.advance(5_000);
    await waitFor(() => agent.datagrams.reduce((n, d) => n + d.toString().split("\n").length - 1, 0) >= 42, "42 metric lines");

    expect(agent.datagrams.length).toBeGreaterThan(1);
    expect(agent.datagrams.every((d) => d.length <= 1432)).toBe(true);
    const lines = agent.datagrams.flatMap((d) => parseLines(d.toString("utf8")));
    expect(lines.filter((l) => l.metric === "power.watts")).toHaveLength(40);
    expect(lines.find((l) => l.metric === "power.watts" && l.tags.includes("device:plug3"))).toEqual({
      metric: "power.watts",
      value: 30,
      type: "g",
      tags: ["host:test-host", "device:plug3", "env:test"],
      timestamp: START / 1000,
    });
    expect(lines.find((l) => l.metric === "meter.pulses")).toEqual({
      metric: "meter.pulses",
      value: 5,
      type: "c",
      tags: ["host:test-host", "device:plug0", "env:test"],
      timestamp: START / 1000 + 10,
    });
    // 50 more over the 10 s interval: the rate, sent as a gauge (DogStatsD has no rate type).
    expect(lines.find((l) => l.metric === "meter.energy_total")).toMatchObject({ value: 5, type: "g" });
    // The datagrams are out before the runner records the send as delivered.
    await waitFor(async () => (await component(hub!, "dogstatsd")).info?.last_success !== undefined, "the delivery recorded");
    expect((await component(hub, "dogstatsd")).state).toBe("ok");
    expect((await component(hub, "datadog")).state).toBe("disabled");
  });

  it("waits for an agent that is not listening yet and then sends what was stored", async () => {
    const probe = await udpAgent();
    const port = probe.port;
    probe.socket.close();
    const clock = new ManualClock(START);
    hub = await startTestHub({ clock, rules: RULES, config: { dogstatsd: { port } } });
    mqtt = await connectMqtt(hub.mqttUrl);
    await publish(hub, mqtt, [["meter/a/power", "1"]]);
    clock.advance(10_000);
    await waitFor(async () => (await component(hub!, "dogstatsd")).state === "degraded", "the sink degraded");
    expect((await component(hub, "dogstatsd")).detail).toBe(
      `HEARTH_E_DOGSTATSD_FAILED: cannot send to the agent at udp://127.0.0.1:${port}: no agent is listening (ECONNREFUSED)`,
    );

    const agent = await udpAgent(port);
    cleanups.push(() => agent.socket.close());
    await publish(hub, mqtt, [["meter/a/power", "2"]]);
    clock.advance(60_000);
    await waitFor(() => agent.datagrams.length > 0 && parseLines(Buffer.concat(agent.datagrams).toString()).length >= 2, "both points at the agent");
    expect(parseLines(Buffer.concat(agent.datagrams).toString()).map((l) => l.value)).toEqual([1, 2]);
    // The datagrams are out before the runner records the send as delivered.
    await waitFor(async () => (await component(hub!, "dogstatsd")).state === "ok", "the sink ok again");
  });

  it("frames payloads for the agent's Unix stream socket with a little-endian length", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-dsd-"));
    const socketPath = path.join(dir, "dsd.socket");
    const frames: Buffer[] = [];
    const server = net.createServer((conn) => {
      let pending = Buffer.alloc(0);
      conn.on("data", (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32LE(0)) {
          const length = pending.readUInt32LE(0);
          frames.push(pending.subarray(4, 4 + length));
          pending = pending.subarray(4 + length);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    cleanups.push(() => {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const clock = new ManualClock(START);
    hub = await startTestHub({ clock, rules: RULES, config: { dogstatsd: { socket: socketPath } } });
    mqtt = await connectMqtt(hub.mqttUrl);
    const devices = Array.from({ length: 150 }, (_, i) => `plug${i}`);
    await publish(
      hub,
      mqtt,
      devices.map((d, i) => [`meter/${d}/power`, String(i)] as [string, string]),
    );
    clock.advance(10_000);
    await waitFor(() => frames.flatMap((f) => parseLines(f.toString())).length >= 150, "150 lines");
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.every((f) => f.length <= 8192)).toBe(true);
    expect(new Set(frames.flatMap((f) => parseLines(f.toString())).map((l) => l.tags[1]))).toEqual(new Set(devices.map((d) => `device:${d}`)));
  });

  it("feeds both sinks from the same store, each at its own pace", async () => {
    const agent = await udpAgent();
    cleanups.push(() => agent.socket.close());
    intake = await startIntake();
    hub = await startTestHub({
      rules: RULES,
      config: { pipeline: { flush_interval: "200ms" }, dogstatsd: { port: agent.port }, datadog: { api_key: "test-api-key", url: intake.url } },
    });
    mqtt = await connectMqtt(hub.mqttUrl);
    await intake.stop();
    await publish(hub, mqtt, [["meter/a/power", "42"]]);
    await waitFor(() => agent.datagrams.length >= 1, "the agent got the point while the intake is down");
    expect(parseLines(agent.datagrams[0]!.toString())[0]).toMatchObject({ metric: "power.watts", value: 42 });
    await intake.start();
    await waitFor(() => intake!.points.length >= 1, "the intake got it once back", 15_000);
    expect(intake.points[0]).toMatchObject({ metric: "power.watts", value: 42 });
  });
});
