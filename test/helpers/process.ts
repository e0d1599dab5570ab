import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "./wait.js";

export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../dist/src/cli/main.js");

/** `hearth ARGS…` from the build in dist/, with stdin text; resolves with its exit code and output. */
export function runCli(args: string[], input?: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

/** A `hearth start` process, its JSON log lines parsed as they come. */
export class HearthProcess {
  readonly logs: Record<string, unknown>[] = [];
  /** Settles when the process has exited: its code, or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private child: ChildProcess;
  private rest = "";

  constructor(configFile: string, rulesDir: string, env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [CLI, "start", "--config", configFile, "--rules", rulesDir, "--no-live"], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout!.on("data", (d: Buffer) => {
      const lines = (this.rest + d.toString()).split("\n");
      this.rest = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) this.logs.push(JSON.parse(line) as Record<string, unknown>);
    });
    this.exited = new Promise((resolve) => this.child.once("exit", (code, signal) => resolve({ code, signal })));
  }

  /** Waits for a log line whose message contains `text`. */
  waitForLog(text: string, timeoutMs = 15_000): Promise<Record<string, unknown>> {
    return waitFor(() => this.logs.find((l) => String(l.msg).includes(text)), `a log line with "${text}"`, timeoutMs);
  }

  /** The process id, to read its memory from /proc. */
  get pid(): number {
    return this.child.pid!;
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  /** Stops it with SIGTERM, as a container runtime would, and resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    return exited;
  }
}
