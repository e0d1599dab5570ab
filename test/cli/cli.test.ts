import net from "node:net";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { writeTestConfig } from "../helpers/hub.js";

describe("the hearth command", () => {
  it("explains itself and each verb", async () => {
    const top = await runCli(["--help"]);
    expect(top.code).toBe(0);
    for (const verb of ["start", "check", "schema"]) expect(top.stdout).toContain(verb);
    const check = await runCli(["check", "--help"]);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain("--explain <topic>");
    expect(check.stdout).toContain("--config <file>");
  });

  it("exits 2 on usage errors", async () => {
    expect((await runCli(["frobnicate"])).code).toBe(2);
    expect((await runCli(["check", "--no-such-option"])).code).toBe(2);
    const missing = await runCli(["check", "--explain", "tele/x/SENSOR"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--explain needs a PAYLOAD");
  });

  it("explains a payload, and exits 1 when no rule makes a sample of it", async () => {
    const ok = await runCli(["check", "--explain", "tele/pow1/SENSOR", '{"ENERGY":{"Power":2635}}']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      /preset tasmota: tele\/\+device\/SENSOR {2}\(device=pow1\)\n {4}power\.watts {2}2635 W +gauge +device:pow1 env:home source:tasmota/,
    );
    const json = JSON.parse((await runCli(["check", "--json", "--explain", "tele/pow1/LWT", "-"], { input: "Offline" })).stdout) as {
      matches: { samples: unknown[] }[];
    };
    expect(json.matches[0]!.samples).toEqual([{ metric: "device.online", value: 0, kind: "gauge", tags: ["device:pow1", "env:home", "source:tasmota"] }]);
    const none = await runCli(["check", "--explain", "tele/pow1/SENSR", "{}"]);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('No rule matches topic "tele/pow1/SENSR".');
    expect(none.stdout).toContain("Closest topic filters: tele/+device/SENSOR");
  });

  it("says in one line which port is taken and what to do", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as net.AddressInfo).port;
    const { configFile, rulesDir } = writeTestConfig({ config: { mqtt: { port }, log: { format: "json" } } });
    try {
      const r = await runCli(["start", "--config", configFile, "--rules", rulesDir]);
      expect(r.code).toBe(1);
      const fatal = r.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { level: number; code?: string; msg: string })
        .filter((l) => l.level === 60);
      expect(fatal).toEqual([
        expect.objectContaining({
          code: "HEARTH_E_PORT_IN_USE",
          msg: `MQTT port ${port} on 127.0.0.1 is already in use by another program. Stop it, or set mqtt.port (or HEARTH_MQTT_PORT) to a free port; 0 picks one.`,
        }),
      ]);
    } finally {
      blocker.close();
    }
  });

  it("writes the JSON Schemas where asked", async () => {
    const { dir } = writeTestConfig();
    const r = await runCli(["schema", "--out", `${dir}/schema`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${dir}/schema/hearth.schema.json`);
    expect(r.stdout).toContain(`${dir}/schema/rules.schema.json`);
  });
});
