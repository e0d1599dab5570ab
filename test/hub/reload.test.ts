import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli, spawnHearth, type RunningHearth } from "../helpers/cli.js";
import { writeTestConfig } from "../helpers/hub.js";
import { mosquittoPub } from "../helpers/mqtt.js";
import { waitFor } from "../helpers/wait.js";

interface LogLine {
  msg: string;
  code?: string;
  mqtt_port?: number;
  http_port?: number;
  changes?: string[];
}

const lines = (h: RunningHearth): LogLine[] =>
  h
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as LogLine);

let running: RunningHearth | undefined;
afterEach(() => {
  running?.child.kill("SIGKILL");
  running = undefined;
});

describe("reloading on SIGHUP", () => {
  it("applies a valid change without a restart, and keeps the last good rules when a file is broken", async () => {
    const { configFile, rulesDir } = writeTestConfig({ config: { log: { level: "info", format: "json" } } });
    running = spawnHearth(["start", "--config", configFile, "--rules", rulesDir, "--no-live", "--no-watch"]);
    const h = running;
    const started = await waitFor(() => lines(h).find((l) => l.msg === "Hearth is running"), "the hub to start");
    const api = `http://127.0.0.1:${started.http_port}/api/series`;
    const series = async () => ((await (await fetch(api)).json()) as { series: { metric: string; value: number; tags: string[] }[] }).series;

    await mosquittoPub(started.mqtt_port!, "garden/bed1/moisture", "31");
    fs.writeFileSync(
      path.join(rulesDir, "garden.yaml"),
      'mappings:\n  - topic: garden/+bed/moisture\n    metric: garden.moisture\n    unit: "%"\n    tags: ["bed:{bed}"]\n',
    );
    h.child.kill("SIGHUP");
    const reloaded = await waitFor(() => lines(h).find((l) => l.msg.startsWith("Reloaded configuration")), "the reload");
    expect(reloaded.changes).toEqual(["rules.mappings"]);
    await mosquittoPub(started.mqtt_port!, "garden/bed1/moisture", "32");
    await waitFor(async () => (await series()).find((s) => s.metric === "garden.moisture" && s.value === 32), "the new mapping to apply");

    fs.writeFileSync(path.join(rulesDir, "garden.yaml"), 'mappings:\n  - topic: garden/+bed/moisture\n    metric: garden moisture\n    tags: ["bed:{bd}"]\n');
    h.child.kill("SIGHUP");
    await waitFor(() => lines(h).some((l) => l.msg.startsWith("Reload rejected")), "the rejection");
    const rejected = lines(h).filter((l) => l.code === "HEARTH_E_RELOAD_REJECTED");
    expect(rejected.map((l) => l.msg)).toEqual([
      `${rulesDir}/garden.yaml:3:13: mappings[0].metric: a metric name starts with a letter and holds only letters, digits, '_' and '.' (at most 200 characters), got "garden moisture"`,
      `${rulesDir}/garden.yaml:4:12: mappings[0].tags[0]: {bd} is not captured by the topic ("garden/+bed/moisture") or the path`,
      "Reload rejected: 2 problem(s); the last good configuration stays in force",
    ]);
    await mosquittoPub(started.mqtt_port!, "garden/bed1/moisture", "33");
    await waitFor(async () => (await series()).find((s) => s.metric === "garden.moisture" && s.value === 33), "the last good rules to keep working");

    fs.writeFileSync(configFile, fs.readFileSync(configFile, "utf8").replace("host: test-host", "host: test-host\ntags: [env:lab]"));
    fs.writeFileSync(path.join(rulesDir, "garden.yaml"), 'mappings:\n  - topic: garden/+bed/moisture\n    metric: garden.moisture\n    tags: ["bed:{bed}"]\n');
    h.child.kill("SIGHUP");
    await waitFor(() => lines(h).find((l) => l.msg.startsWith("Reloaded configuration") && l.changes?.includes("tags")), "the config reload");
    await mosquittoPub(started.mqtt_port!, "garden/bed2/moisture", "40");
    await waitFor(
      async () => (await series()).find((s) => s.metric === "garden.moisture" && s.tags.join() === "bed:bed2,env:lab"),
      "the global tag on new samples",
    );

    h.child.kill("SIGTERM");
    expect(await h.exited).toBe(0);
    expect(lines(h).at(-1)?.msg).toBe("Hearth stopped");
  });

  it("notices a saved file by itself: a valid edit applies within seconds, a broken one is refused with its line", async () => {
    const { configFile, rulesDir } = writeTestConfig({ config: { log: { level: "info", format: "json" } } });
    running = spawnHearth(["start", "--config", configFile, "--rules", rulesDir, "--no-live"]);
    const h = running;
    const started = await waitFor(() => lines(h).find((l) => l.msg === "Hearth is running"), "the hub to start");
    const api = `http://127.0.0.1:${started.http_port}/api/series`;
    const series = async () => ((await (await fetch(api)).json()) as { series: { metric: string; value: number }[] }).series;

    // Written the way editors save: to a temporary file, then renamed over the old one.
    const save = (name: string, body: string) => {
      fs.writeFileSync(path.join(rulesDir, `.${name}.tmp`), body);
      fs.renameSync(path.join(rulesDir, `.${name}.tmp`), path.join(rulesDir, name));
    };
    save("garden.yaml", "mappings:\n  - {topic: garden/+bed/moisture, metric: garden.moisture, tags: ['bed:{bed}']}\n");
    await waitFor(() => lines(h).find((l) => l.msg.startsWith("Reloaded configuration: rules.mappings")), "the edit to apply", 15_000);
    await mosquittoPub(started.mqtt_port!, "garden/bed1/moisture", "30");
    await waitFor(async () => (await series()).find((s) => s.metric === "garden.moisture"), "the new mapping");

    save("garden.yaml", "mappings:\n  - {topic: garden/+bed/moisture, metric: garden.moisture, kind: gauge_}\n");
    await waitFor(() => lines(h).find((l) => l.msg.startsWith("Reload rejected")), "the broken edit to be refused", 15_000);
    expect(lines(h).find((l) => l.code === "HEARTH_E_RELOAD_REJECTED")?.msg).toMatch(
      /garden\.yaml:2:66: mappings\[0\]\.kind: expected one of .*got "gauge_" \(did you mean "gauge"\?\)$/,
    );
    await mosquittoPub(started.mqtt_port!, "garden/bed1/moisture", "29");
    await waitFor(async () => (await series()).find((s) => s.metric === "garden.moisture" && s.value === 29), "the hub to keep the last good rules");
  });

  it("never logs a secret of the wrong type: an all-digit DD_API_KEY is refused by its key, not shown, on reload and by hearth check", async () => {
    // Written unquoted, the substituted digits are a YAML number, not the text the key must be.
    const KEY = "4815162342";
    const { configFile, rulesDir } = writeTestConfig({ config: { log: { level: "info", format: "json" }, datadog: { enabled: false } } });
    running = spawnHearth(["start", "--config", configFile, "--rules", rulesDir, "--no-live", "--no-watch"], { DD_API_KEY: KEY });
    const h = running;
    await waitFor(() => lines(h).find((l) => l.msg === "Hearth is running"), "the hub to start");

    fs.writeFileSync(
      configFile,
      fs.readFileSync(configFile, "utf8").replace(/datadog:\n {2}enabled: false\n/, "datadog:\n  enabled: false\n  api_key: ${DD_API_KEY}\n"),
    );
    h.child.kill("SIGHUP");
    await waitFor(() => lines(h).some((l) => l.msg.startsWith("Reload rejected")), "the rejection");
    const problem = lines(h).find((l) => l.code === "HEARTH_E_RELOAD_REJECTED")!;
    expect(problem.msg).toMatch(
      /hearth\.yaml:\d+:\d+: datadog\.api_key: expected text, got a number \(not shown: a secret; quote it \("\$\{VAR\}"\) if it is meant as text\)$/,
    );
    expect(h.output()).not.toContain(KEY);

    const check = await runCli(["check", "--config", configFile, "--rules", rulesDir], { env: { DD_API_KEY: KEY } });
    expect(check.code).toBe(1);
    expect(check.stdout + check.stderr).toContain("datadog.api_key: expected text, got a number (not shown: a secret");
    expect(check.stdout + check.stderr).not.toContain(KEY);
  });
});
