import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parsePasswordFile, verifyPassword } from "../../src/mqtt/passwd.js";
import { CLI, runCli } from "../helpers/process.js";
import { waitFor } from "../helpers/wait.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-passwd-"));
const file = path.join(dir, "passwd");
const table = () => parsePasswordFile(file, fs.readFileSync(file, "utf8")).table;

describe("hearth passwd FILE USER", () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads the password from stdin when it is not a terminal, and writes one scrypt line readable by its owner only", async () => {
    const r = await runCli(["passwd", file, "tasmota"], "plug-pass\n");
    expect(r).toMatchObject({ code: 0, stdout: `Added user "tasmota" in ${file}. Send SIGHUP to a running Hearth to apply it.\n` });
    expect(fs.readFileSync(file, "utf8")).toMatch(/^tasmota:\$scrypt\$ln=15,r=8,p=1\$\S+\$\S+\n$/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(await verifyPassword(table().get("tasmota"), "plug-pass")).toBe(true);
  });

  it("replaces the user's line and keeps the others", async () => {
    await runCli(["passwd", file, "alice"], "alice-pass\n");
    const r = await runCli(["passwd", file, "tasmota"], "new-plug-pass\n");
    expect(r.stdout).toContain('Changed the password of user "tasmota"');
    expect([...table().keys()]).toEqual(["tasmota", "alice"]);
    expect(await verifyPassword(table().get("tasmota"), "new-plug-pass")).toBe(true);
    expect(await verifyPassword(table().get("alice"), "alice-pass")).toBe(true);
  });

  it("removes a user with --delete", async () => {
    expect((await runCli(["passwd", "--delete", file, "alice"])).code).toBe(0);
    expect([...table().keys()]).toEqual(["tasmota"]);
    expect(await runCli(["passwd", "--delete", file, "alice"])).toMatchObject({ code: 1, stderr: `hearth passwd: user "alice" is not in ${file}\n` });
  });

  it("refuses an unusable user name or an empty password (exit 1) and a missing argument (exit 2)", async () => {
    expect(await runCli(["passwd", file, "a:b"], "x\n")).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("must not be empty or contain ':'") as unknown,
    });
    expect(await runCli(["passwd", file, "bob"], "\n")).toMatchObject({ code: 1, stderr: "hearth passwd: the password is empty\n" });
    expect((await runCli(["passwd", file])).code).toBe(2);
    expect([...table().keys()]).toEqual(["tasmota"]);
  });

  it("asks twice on a terminal without showing what is typed", async () => {
    // `script` gives the command a real pseudo-terminal, as an interactive shell would.
    const child = spawn("script", ["-qec", `${process.execPath} ${CLI} passwd ${file} bob`, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
    let screen = "";
    child.stdout.on("data", (d: Buffer) => (screen += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    await waitFor(() => screen.includes("Password: "), "the first prompt");
    child.stdin.write("bobs-secret\r");
    await waitFor(() => screen.includes("Reenter password: "), "the second prompt");
    child.stdin.write("bobs-secret\r");
    await waitFor(() => screen.includes('Added user "bob"'), "the confirmation");
    child.stdin.end();
    await exited;
    expect(screen).not.toContain("bobs-secret");
    expect(await verifyPassword(table().get("bob"), "bobs-secret")).toBe(true);
  });
});
