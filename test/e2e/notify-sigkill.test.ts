import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { writeTestConfig } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { CLI, HearthProcess } from "../helpers/process.js";
import { RecordingServer } from "../helpers/recorder.js";
import { TestSmtpServer } from "../helpers/smtp.js";
import { waitFor } from "../helpers/wait.js";
import { queryStore } from "../helpers/store.js";

const rules = {
  version: 1,
  mappings: [{ topic: "sensors/+room/temperature", metric: "temp", tags: ["room:{room}"] }],
  monitors: [{ name: "too warm", query: "last(last_1h):temp{*} > 30", recipients: ["alex"] }],
};

/** A hub that flushes every half second and evaluates every second, so a test sees a transition in a moment. */
const fast = { log: { level: "info", format: "json" }, pipeline: { flush_interval: "500ms" }, alerts: { evaluation_interval: "1s" } };

const outbox = (dir: string) => queryStore<{ id: number; title: string; status: string }>(dir, "SELECT id, title, status FROM notifications ORDER BY id");

async function publish(h: HearthProcess, value: number): Promise<void> {
  const port = (await h.waitForLog("Hearth is running", 30_000)).mqtt_port as number;
  const client = await connectMqtt(`mqtt://127.0.0.1:${port}`);
  await client.publishAsync("sensors/kitchen/temperature", String(value), { qos: 1 });
  await client.endAsync();
}

/**
 * A real `hearth start` process killed with SIGKILL at the worst moments of a notification, and
 * started again on the same store: nothing is lost, nothing re-fires, and the only copy that can
 * repeat is the one whose server took it in the instant before the kill (README, "Delivery").
 */
describe("notifications across a SIGKILL", () => {
  const running: HearthProcess[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const h of running.splice(0)) h.signal("SIGKILL");
    for (const c of cleanups.splice(0)) await c();
  });
  const start = (configFile: string, rulesDir: string) => {
    const h = new HearthProcess(configFile, rulesDir);
    running.push(h);
    return h;
  };

  it(
    "killed between a transition and its email, during a mail-server outage, sends it once after the restart, then the recovery, in order",
    { timeout: 120_000 },
    async () => {
      expect(fs.existsSync(CLI), `${CLI} is missing: run \`npm run build\` (npm test does it first)`).toBe(true);
      const smtp = await new TestSmtpServer().start();
      cleanups.push(() => smtp.stop());
      await smtp.stop(); // the mail server is down: its port refuses connections
      const { dir, configFile, rulesDir } = writeTestConfig({
        config: {
          ...fast,
          notify: {
            retry: { min: "200ms", max: "1s" },
            smtp: { host: "127.0.0.1", port: smtp.port, security: "none", from: "hearth@example.com" },
            recipients: { alex: { email: "alex@example.com" } },
          },
        },
        rules: { "house.yaml": rules },
      });
      cleanups.push(() => fs.promises.rm(dir, { recursive: true, force: true }));

      const first = start(configFile, rulesDir);
      await publish(first, 35);
      await first.waitForLog('Monitor "too warm": OK → ALERT');
      await waitFor(() => first.logs.find((l) => l.code === "HEARTH_E_NOTIFY_FAILED"), "a failed attempt to send the alert");
      first.signal("SIGKILL");
      expect(await first.exited).toEqual({ code: null, signal: "SIGKILL" });
      expect(outbox(dir)).toEqual([{ id: 1, title: "[Triggered] too warm", status: "pending" }]);

      await smtp.start();
      const second = start(configFile, rulesDir);
      await waitFor(() => smtp.received.length === 1, "the alert, sent after the restart", 30_000);
      await publish(second, 20);
      await waitFor(() => smtp.received.length === 2, "the recovery", 30_000);
      expect(smtp.received.map((m) => m.mail.subject)).toEqual(["[Triggered] too warm", "[Recovered] too warm"]);
      // The restarted hub knew the monitor was alerting: no second alert was ever written.
      await waitFor(() => outbox(dir).every((r) => r.status === "sent"), "both marked sent");
      expect(outbox(dir)).toEqual([
        { id: 1, title: "[Triggered] too warm", status: "sent" },
        { id: 2, title: "[Recovered] too warm", status: "sent" },
      ]);
      expect(second.logs.filter((l) => String(l.msg).startsWith('Monitor "too warm"')).map((l) => l.msg)).toEqual(['Monitor "too warm": ALERT → OK']);
      second.signal("SIGTERM");
      expect(await second.exited).toEqual({ code: 0, signal: null });
    },
  );

  it("killed after ntfy took the alert but before Hearth noted it, sends that one alert once more, and nothing else twice", { timeout: 120_000 }, async () => {
    let killAtFirstRequest: HearthProcess | undefined;
    const ntfy = new RecordingServer(async () => {
      const victim = killAtFirstRequest;
      killAtFirstRequest = undefined;
      if (victim) {
        // The server has the message; Hearth dies before the answer reaches it.
        victim.signal("SIGKILL");
        await victim.exited;
      }
      return { status: 200, body: "{}" };
    });
    await ntfy.start();
    cleanups.push(() => ntfy.stop());
    const { dir, configFile, rulesDir } = writeTestConfig({
      config: { ...fast, notify: { retry: { min: "200ms", max: "1s" }, ntfy: { url: ntfy.url }, recipients: { alex: { ntfy: "alex-topic" } } } },
      rules: { "house.yaml": rules },
    });
    cleanups.push(() => fs.promises.rm(dir, { recursive: true, force: true }));

    const first = start(configFile, rulesDir);
    killAtFirstRequest = first;
    await publish(first, 35);
    expect(await first.exited).toEqual({ code: null, signal: "SIGKILL" });
    expect(outbox(dir)).toEqual([{ id: 1, title: "[Triggered] too warm", status: "pending" }]);

    const second = start(configFile, rulesDir);
    await waitFor(() => outbox(dir)[0]?.status === "sent", "the alert sent again and noted", 30_000);
    await publish(second, 20);
    await waitFor(() => outbox(dir).length === 2 && outbox(dir).every((r) => r.status === "sent"), "the recovery sent", 30_000);
    const titles = ntfy.requests.map((r) => (JSON.parse(r.body) as { title: string }).title);
    expect(titles).toEqual(["[Triggered] too warm", "[Triggered] too warm", "[Recovered] too warm"]);
    second.signal("SIGTERM");
    expect(await second.exited).toEqual({ code: 0, signal: null });
  });
});
