import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AlertEvent } from "../../src/alerts/events.js";
import { writeTestConfig } from "../helpers/hub.js";

const run = promisify(execFile);
const CLI = path.resolve("dist/src/cli/main.js");

const rules = {
  version: 1,
  mappings: [{ topic: "sensors/+room/temperature", metric: "temp", tags: ["room:{room}"] }],
  monitors: [{ name: "too warm", query: "avg(last_5m):temp{*} by {room} > 30", for: "3m", notify_no_data: true, recipients: ["alex"] }],
};

// MQTT lines through the ingest rules, out of order, one in base64 (docs/design.md, "Replay input").
const minute = (m: number) => `2026-01-07T12:0${m}:30Z`;
const input = [
  { t: minute(3), topic: "sensors/kitchen/temperature", payload: "35" },
  { t: minute(0), topic: "sensors/kitchen/temperature", payload: "35" },
  { t: minute(2), topic: "sensors/kitchen/temperature", payload_base64: Buffer.from("35").toString("base64") },
  { t: minute(1), topic: "sensors/kitchen/temperature", payload: "35 °C" },
  { t: minute(4), topic: "sensors/kitchen/temperature", payload: "35", retain: true },
  { t: minute(6), topic: "sensors/kitchen/temperature", payload: "35" },
  { t: minute(5), topic: "sensors/kitchen/temperature", payload: "35" },
  { t: minute(0), topic: "sensors/hall/temperature", payload: "21" },
];

// Each test starts the CLI (a cold Node.js start that loads the whole rules toolchain) once or twice; on a loaded CI machine that has taken most of a minute.
describe("hearth replay", { timeout: 180_000 }, () => {
  let dir: string;
  let args: string[];
  beforeAll(() => {
    const written = writeTestConfig({ config: { notify: { recipients: { alex: {} } } }, rules: { "house.yaml": rules } });
    dir = written.dir;
    args = ["--config", written.configFile, "--rules", written.rulesDir];
    fs.writeFileSync(path.join(dir, "in.jsonl"), input.map((l) => JSON.stringify(l)).join("\n"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("runs MQTT lines through the ingest rules in time order, with `for` and no-data, to the default end", async () => {
    const { stdout, stderr } = await run("node", [CLI, "replay", "--input", path.join(dir, "in.jsonl"), ...args]);
    const events = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as AlertEvent);
    expect(events.map((e) => e.type === "transition" && `${e.t} ${e.group} ${e.from}→${e.to} ${e.value}`).filter(Boolean)).toEqual([
      // Breaching from the 12:01 evaluation; `for: 3m` holds it back until 12:04.
      "2026-01-07T12:04:00Z room:kitchen OK→ALERT 35",
      // The hall reported once, at 12:00:30: no data for twice the window (10m, docs/datadog-semantics.md §3.2) by 12:11.
      "2026-01-07T12:11:00Z room:hall OK→NO_DATA null",
    ]);
    // The default end (docs/design.md): the last line, 12:06:30, plus the longest no-data or `for` duration (10m).
    expect(stderr).toContain(
      "8 lines from 2026-01-07T12:00:30.000Z to 2026-01-07T12:16:30.000Z: 2 transitions, 2 notifications (0 muted), 0 downtime events; nothing was sent",
    );
  });

  it("starts and stops where --from and --until say, skipping lines outside", async () => {
    const { stdout, stderr } = await run("node", [
      CLI,
      "replay",
      "--input",
      path.join(dir, "in.jsonl"),
      "--from",
      "2026-01-07T12:02:00Z",
      "--until",
      "2026-01-07T12:05:00Z",
      ...args,
    ]);
    expect(stdout).toBe("");
    expect(stderr).toContain("3 lines from 2026-01-07T12:02:00.000Z to 2026-01-07T12:05:00.000Z (5 outside that range skipped)");
  });

  it("reports every bad line with its number, and exits 1", async () => {
    const file = path.join(dir, "bad.jsonl");
    fs.writeFileSync(
      file,
      [
        '{"t":"2026-01-07T12:00:00Z","metric":"temp","value":1}',
        "not json",
        '{"t":"2026-01-07 12:00","metric":"temp","value":1}',
        '{"t":"2026-01-07T12:00:00Z","topic":"a/b"}',
        '{"t":"2026-01-07T12:00:00Z","metric":"temp","value":"hot"}',
        '{"t":"2026-01-07T12:00:00Z","value":1}',
        "",
      ].join("\n"),
    );
    const err = (await run("node", [CLI, "replay", "--input", file, ...args]).catch((e: unknown) => e)) as { code: number; stdout: string; stderr: string };
    expect(err.code).toBe(1);
    expect(err.stdout).toBe("");
    expect(err.stderr.split("\n").map((l) => l.replace(`${dir}/`, ""))).toEqual([
      expect.stringMatching(/^bad\.jsonl:2:1: not JSON: /),
      'bad.jsonl:3:1: t: expected an ISO 8601 time with its offset, such as "2026-01-05T19:00:00Z"',
      'bad.jsonl:4:1: an MQTT line has either "payload" or "payload_base64"',
      'bad.jsonl:5:1: value: expected a number, got "hot"',
      'bad.jsonl:6:1: expected an MQTT message {"t", "topic", "payload"} or a sample {"t", "metric", "value"}',
      expect.stringMatching(/^hearth: 5 bad lines in .*bad\.jsonl \(HEARTH_E_REPLAY_INPUT: /),
      "",
    ]);
  });

  it("refuses a bad --from with a usage error (exit 2) and a missing input file with exit 1", async () => {
    const usage = (await run("node", [CLI, "replay", "--input", "x.jsonl", "--from", "yesterday", ...args]).catch((e: unknown) => e)) as {
      code: number;
      stderr: string;
    };
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--from "yesterday" is not an ISO 8601 time');
    const missing = (await run("node", [CLI, "replay", "--input", path.join(dir, "nope.jsonl"), ...args]).catch((e: unknown) => e)) as {
      code: number;
      stderr: string;
    };
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("nope.jsonl: file not found");
  });
});
