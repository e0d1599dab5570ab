import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTestConfig } from "../helpers/hub.js";
import { OpenhabServer } from "../helpers/openhab-server.js";
import { ProxmoxServer } from "../helpers/proxmox-server.js";
import { selfSignedCertificate, type SelfSigned } from "../helpers/tls.js";

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../dist/src/cli/main.js");

function hearth(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("hearth check --probe", () => {
  let openhab: OpenhabServer;
  let proxmox: ProxmoxServer;
  let cert: SelfSigned;
  beforeAll(async () => {
    cert = selfSignedCertificate();
    openhab = await new OpenhabServer([{ name: "Stove_Power", type: "Number:Power", state: "120 W", groupNames: [], tags: [] }], {
      token: "oh.probe",
      version: "4.2.1",
    }).start();
    proxmox = await new ProxmoxServer(cert, "hearth@pve!monitoring=secret").start();
    proxmox.routes.set("/version", { version: "8.2.4", release: "8.2" });
    proxmox.routes.set("/cluster/resources", [
      { id: "node/pve1", type: "node", node: "pve1", status: "online" },
      { id: "qemu/100", type: "qemu", node: "pve1", name: "ha", status: "running", vmid: 100 },
    ]);
  });
  afterAll(async () => {
    await openhab.stop();
    await proxmox.stop();
  });

  it("tries each instance's server once, says what answered, and exits 1 when one did not", async () => {
    const proxmoxInstance = { type: "proxmox", url: proxmox.url, token_id: "hearth@pve!monitoring", token_secret: "${PVE_SECRET}" };
    const { dir, configFile, rulesDir } = writeTestConfig({
      config: {
        integrations: {
          house: { type: "openhab", url: openhab.url, token: "${OPENHAB_TOKEN}" },
          lab: { ...proxmoxInstance, fingerprint: cert.fingerprint256 },
          lab_wrong_pin: { ...proxmoxInstance, fingerprint: cert.fingerprint256.replace(/^../, cert.fingerprint256.startsWith("00") ? "11" : "00") },
          story: { type: "my_metric", enabled: false },
        },
      },
    });
    const r = await hearth(["check", "--probe", "--config", configFile, "--rules", rulesDir], { OPENHAB_TOKEN: "oh.probe", PVE_SECRET: "secret" });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.code).toBe(1);
    const lines = r.stdout.split("\n").filter((l) => l.startsWith("  "));
    expect(lines).toEqual([
      `  ok     house (openhab): openHAB 4.2.1 at ${openhab.url}, 1 item`,
      `  ok     lab (proxmox): Proxmox VE 8.2.4 at ${proxmox.url}/api2/json: 1 node, 1 VM, 0 containers`,
      expect.stringMatching(/^ {2}FAILED lab_wrong_pin \(proxmox\): HEARTH_E_INTEGRATION_TLS: .*presented a certificate with SHA-256 fingerprint/),
      "  off    story (my_metric): enabled: false",
    ]);
    expect(r.stderr).toContain("1 of 4 integration instances did not answer");
    expect(r.stdout + r.stderr).not.toContain("secret");
  });
});
