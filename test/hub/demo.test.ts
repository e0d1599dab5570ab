import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { spawnHearth, type RunningHearth } from "../helpers/cli.js";
import { waitFor } from "../helpers/wait.js";

let running: RunningHearth | undefined;
afterEach(() => {
  running?.child.kill("SIGKILL");
  running = undefined;
});

/** The quick start's demo, on ephemeral ports so it runs beside anything. */
function startDemo(extra: string[] = []): { h: RunningHearth; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-demo-"));
  const h = spawnHearth(["start", "--config", "config/demo.yaml", ...extra], { HEARTH_MQTT_PORT: "0", HEARTH_HTTP_PORT: "0", HEARTH_DATA_DIR: dir });
  running = h;
  return { h, dir };
}

describe("the demo", () => {
  it("simulates a house whose plugs, tank and resident arrive as series, with no cloud account", async () => {
    const { h } = startDemo(["--no-live"]);
    const started = await waitFor(
      () =>
        h
          .output()
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l) as { msg: string; http_port?: number })
          .find((l) => l.msg === "Hearth is running"),
      "the demo to start",
      30_000,
    );
    const api = `http://127.0.0.1:${started.http_port}/api/series`;
    const metrics = await waitFor(
      async () => {
        const { series } = (await (await fetch(api)).json()) as { series: { metric: string; tags: string[] }[] };
        const names = new Set(series.map((s) => `${s.metric}{${s.tags.filter((t) => !t.startsWith("env:") && !t.startsWith("source:")).join(",")}}`));
        return names.size >= 20 ? names : undefined;
      },
      "the simulated devices' series",
      30_000,
    );
    for (const want of [
      "power.watts{appliance:stove,device:kitchen_plug}",
      "power.on{appliance:stove,device:kitchen_plug}",
      "power.watts{device:fridge_plug}",
      "device.online{device:tank1}",
      "presence.home{person:alex}",
      "hydro.ph{crop:lettuce,tank:tank1}",
      "hydro.ec{crop:lettuce,tank:tank1}",
    ])
      expect(metrics.has(want), `${want} in ${[...metrics].join(" ")}`).toBe(true);
    h.child.kill("SIGINT");
    expect(await h.exited).toBe(0);
  });

  // eslint-disable-next-line no-control-regex -- ESC starts the ANSI colour sequences (SGR) the live table draws with
  const stripAnsi = (l: string) => l.replace(/\x1b\[[0-9;]*m/g, "");

  it("shows a live table on a terminal", async () => {
    const { h } = startDemo(["--live"]);
    await waitFor(() => /power\.watts +\d/.test(h.output()), "the live table to show plugs", 30_000);
    expect(h.output()).toContain("Hearth demo");
    expect(h.output()).toMatch(/MQTT mqtt:\/\/127\.0\.0\.1:\d+ {2}\(mosquitto_sub -p \d+ -t '#' -v\)/);
    // eslint-disable-next-line no-control-regex -- ESC starts the ANSI sequences the live table draws with
    expect(h.output()).toMatch(/story time (\x1b\[1m)?\w{3} \d\d:\d\d:\d\d/);
    // Each frame fits the window (40 × 120 when the output is not a terminal): the title line
    // first, the alerts section, never a line that wraps.
    const frames = h.output().split("\x1b[H\x1b[2J").slice(1, -1);
    expect(frames.length).toBeGreaterThan(0);
    for (const frame of frames) {
      const lines = frame.replace(/\n$/, "").split("\n");
      expect(lines.length).toBeLessThanOrEqual(39);
      expect(lines[0]).toContain("Hearth demo");
      expect(lines.some((l) => stripAnsi(l) === "alerts")).toBe(true);
      for (const l of lines) expect(stripAnsi(l).length).toBeLessThanOrEqual(119);
    }
    h.child.kill("SIGTERM");
    expect(await h.exited).toBe(0);
    expect(h.output()).toContain("Hearth stopped.");
  });
});
