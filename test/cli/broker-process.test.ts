import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTestConfig } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { HearthProcess, runCli } from "../helpers/process.js";
import { waitFor } from "../helpers/wait.js";

/**
 * `hearth start` as a homeowner runs it: users added with `hearth passwd` take effect on
 * SIGHUP, and a SIGTERM and a new start keep the retained state of the house.
 */
describe("the broker in a hearth start process", () => {
  let dir: string;
  let configFile: string;
  let rulesDir: string;
  let passwd: string;
  let hearth: HearthProcess | undefined;

  const mqttUrl = async (h: HearthProcess) => `mqtt://127.0.0.1:${(await h.waitForLog("MQTT broker listening")).port as number}`;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-process-"));
    passwd = path.join(dir, "passwd");
    expect((await runCli(["passwd", passwd, "tasmota"], "plug-pass\n")).code).toBe(0);
    ({ configFile, rulesDir } = writeTestConfig({
      dir,
      config: { mqtt: { allow_anonymous: false, password_file: passwd }, log: { level: "info", format: "json" } },
    }));
  });
  afterAll(async () => {
    await hearth?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("applies a user added with hearth passwd on SIGHUP, and keeps retained messages over a SIGTERM and a new start", async () => {
    hearth = new HearthProcess(configFile, rulesDir);
    let url = await mqttUrl(hearth);
    await expect(connectMqtt(url, { username: "bob", password: "bob-pass", clientId: "bob-laptop" })).rejects.toMatchObject({ code: 4 });

    expect((await runCli(["passwd", passwd, "bob"], "bob-pass\n")).code).toBe(0);
    hearth.signal("SIGHUP");
    await hearth.waitForLog("Broker policy reloaded");
    const bob = await connectMqtt(url, { username: "bob", password: "bob-pass", clientId: "bob-laptop" });
    await bob.endAsync();

    const plug = await connectMqtt(url, { username: "tasmota", password: "plug-pass", clientId: "plug1" });
    await plug.publishAsync("tele/plug1/LWT", "Online", { qos: 1, retain: true });
    await plug.endAsync();
    expect(await hearth.stop()).toBe(0);

    hearth = new HearthProcess(configFile, rulesDir);
    url = await mqttUrl(hearth);
    const dashboard = await connectMqtt(url, { username: "bob", password: "bob-pass", clientId: "dashboard" });
    const seen: string[] = [];
    dashboard.on("message", (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
    await dashboard.subscribeAsync("tele/+/LWT", { qos: 1 });
    await waitFor(() => seen.length > 0, "the retained LWT after the restart");
    expect(seen).toEqual(["tele/plug1/LWT Online"]);
    await dashboard.endAsync();
  });
});
