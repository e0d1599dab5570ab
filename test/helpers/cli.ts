import { execFile, spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The built CLI (`npm test` builds first), run the way `npx hearth` runs it. */
export const CLI = path.join(ROOT, "dist/src/cli/main.js");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `timeout` (ms, default 30 s): the commands that load Datadog's whole client need more on a busy machine. */
export function runCli(args: string[], opts: { env?: Record<string, string>; input?: string; cwd?: string; timeout?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, timeout: opts.timeout ?? 30_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(opts.input ?? "");
  });
}

/** A `hearth start` child process whose output is collected as it comes. */
export interface RunningHearth {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export function spawnHearth(args: string[], env: Record<string, string> = {}): RunningHearth {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}
