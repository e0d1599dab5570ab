import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { IDisconnectPacket } from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { writeTestConfig } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { HearthProcess } from "../helpers/process.js";

/** `hearth start` stopped the way a container runtime or systemd stops it. */
describe("MQTT 5 clients when the hearth start process gets SIGTERM", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-v5sigterm-"));
  let hearth: HearthProcess | undefined;
  afterAll(async () => {
    await hearth?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("[MQTT-3.14.2-1] SIGTERM: the MQTT 5 client gets DISCONNECT 0x8B (Server shutting down), the 3.1.1 one is closed, and the process exits 0", async () => {
    const { configFile, rulesDir } = writeTestConfig({ dir, config: { log: { level: "info", format: "json" } } });
    hearth = new HearthProcess(configFile, rulesDir);
    const url = `mqtt://127.0.0.1:${(await hearth.waitForLog("MQTT broker listening")).port as number}`;
    const hass = await connectMqtt(url, { protocolVersion: 5, clientId: "hass-sigterm" });
    const plug = await connectMqtt(url, { protocolVersion: 4, clientId: "tasmota-sigterm" });
    const told = new Promise<IDisconnectPacket>((resolve) => hass.once("disconnect", resolve));
    const plugClosed = new Promise<void>((resolve) => plug.once("close", () => resolve()));
    const plugPackets: string[] = [];
    plug.on("packetreceive", (p) => plugPackets.push(p.cmd));

    hearth.signal("SIGTERM");
    expect((await told).reasonCode).toBe(0x8b);
    await plugClosed;
    expect(plugPackets).not.toContain("disconnect");
    expect(await hearth.exited).toEqual({ code: 0, signal: null });
    await Promise.all([hass.endAsync(true), plug.endAsync(true)]);
  });

  it("[MQTT-3.14.2-1] a SIGTERM while Hearth is still starting, its broker already open: it stops the same way once started, and exits 0", async () => {
    const { configFile, rulesDir } = writeTestConfig({ dir, config: { log: { level: "info", format: "json" } } });
    hearth = new HearthProcess(configFile, rulesDir);
    // Node ends a process on SIGTERM unless it listens for it: before, a signal this early killed Hearth outright.
    await hearth.waitForLog("MQTT broker listening");
    hearth.signal("SIGTERM");
    expect(await hearth.exited).toEqual({ code: 0, signal: null });
    expect(hearth.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(["Stopping on SIGTERM", "Hearth stopped"]));
  });
});
