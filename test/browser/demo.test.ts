import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, spawnHearth, type RunningHearth } from "../helpers/cli.js";
import { freePort } from "../helpers/ports.js";
import { waitFor } from "../helpers/wait.js";

let demo: RunningHearth | undefined;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-demo-story-"));
afterAll(() => {
  demo?.child.kill("SIGKILL");
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Notification {
  channel: string;
  status: string;
  title: string;
  created_at: string;
}

const storyMinuteOf = (iso: string) => new Date(iso).getHours() * 60 + new Date(iso).getMinutes();

describe("the demo's story", () => {
  it(
    "fires 'left on with nobody home' by the demo's phone, resolves it when Alex is back, within story time; commands find the demo",
    { timeout: 300_000 },
    async () => {
      // Ports of its own (the webhook to the demo's phone follows HEARTH_HTTP_PORT), so it runs beside anything.
      const env = { HEARTH_MQTT_PORT: String(await freePort()), HEARTH_HTTP_PORT: String(await freePort()), HEARTH_DATA_DIR: dir };
      demo = spawnHearth(["start", "--config", "config/demo.yaml", "--rules", "rules", "--no-live"], env);
      const hub = `http://127.0.0.1:${env.HEARTH_HTTP_PORT}`;
      // The story: the stove on at 07:30, Alex out at 08:00, ten minutes later the alert. By 08:40 at
      // 60x (100 s) it must have reached the phone; story time is the hub's clock on /healthz.
      const sent = await waitFor(
        async () => {
          const h = (await (await fetch(`${hub}/healthz`).catch(() => undefined))?.json().catch(() => undefined)) as { now?: string } | undefined;
          if (h?.now && new Date(h.now).getHours() * 60 + new Date(h.now).getMinutes() > 8 * 60 + 40)
            throw new Error(`story time ${h.now} and no nobody-home notification`);
          const res = await fetch(`${hub}/api/notifications`).catch(() => undefined);
          const rows = ((await res?.json().catch(() => undefined)) as { notifications?: Notification[] } | undefined)?.notifications ?? [];
          return rows.find((n) => n.title.includes("left on with nobody home") && n.status === "sent");
        },
        "the nobody-home notification",
        150_000,
        500,
      );
      expect(sent.channel).toBe("webhook:phone");
      expect(sent.title).toMatch(/^\[Triggered on \{appliance:(stove|curling_iron)\}\] left on with nobody home$/);
      expect(storyMinuteOf(sent.created_at)).toBeGreaterThanOrEqual(8 * 60 + 10);

      // `hearth snooze` with no --config finds the running hub through the address it recorded.
      const record = JSON.parse(fs.readFileSync(path.join(dir, "hearth.json"), "utf8")) as { pid: number; url: string };
      expect(record).toEqual(expect.objectContaining({ pid: demo.child.pid, url: hub }));
      const snooze = await runCli(["snooze", "tank pH", "--for", "1h"], { env: { HEARTH_DATA_DIR: dir } });
      expect(snooze.stderr).toBe("");
      expect(snooze.code).toBe(0);
      const { one_offs } = (await (await fetch(`${hub}/api/downtimes`)).json()) as { one_offs: { monitor: string }[] };
      expect(one_offs.map((d) => d.monitor)).toContain("tank pH");

      // Alex is back at 10:00 (the stove goes off then): the stove's group recovers, on the phone
      // and in /api/alerts, before 10:30 story time, about three and a half minutes after the start.
      const recovered = await waitFor(
        async () => {
          const h = (await (await fetch(`${hub}/healthz`)).json()) as { now: string };
          if (storyMinuteOf(h.now) > 10 * 60 + 30) throw new Error(`story time ${h.now} and the stove alert has not recovered`);
          const rows = ((await (await fetch(`${hub}/api/notifications`)).json()) as { notifications: Notification[] }).notifications;
          return rows.find((n) => n.title === "[Recovered on {appliance:stove}] left on with nobody home" && n.status === "sent");
        },
        "the stove's recovery notification",
        150_000,
        500,
      );
      expect(storyMinuteOf(recovered.created_at)).toBeGreaterThanOrEqual(10 * 60);
      const { alerts } = (await (await fetch(`${hub}/api/alerts`)).json()) as { alerts: { monitor: string; group: string; state: string }[] };
      expect(alerts.filter((a) => a.monitor === "left on with nobody home").map((a) => [a.group, a.state])).toContainEqual(["appliance:stove", "OK"]);

      demo.child.kill("SIGINT");
      expect(await demo.exited).toBe(0);
      expect(fs.existsSync(path.join(dir, "hearth.json"))).toBe(false);
    },
  );
});
