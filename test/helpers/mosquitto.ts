import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { answers } from "../setup/services.js";
import { freePort } from "./ports.js";
import { waitFor } from "./wait.js";

/**
 * A Mosquitto of the test's own, on its own port, so a test can stop and start it without
 * touching the machine's Mosquitto on 1883 that other tests use.
 */
export class TestMosquitto {
  private child: ChildProcess | undefined;
  readonly output: string[] = [];

  private constructor(
    readonly port: number,
    private readonly confFile: string,
  ) {}

  /** `conf` lines after the listener; the first listener is plain TCP on `port` (127.0.0.1 only). Mosquitto keeps nothing on disk unless `conf` says so. */
  static async start(dir: string, conf: string[] = ["allow_anonymous true"], port?: number): Promise<TestMosquitto> {
    fs.mkdirSync(dir, { recursive: true });
    const p = port ?? (await freePort());
    const confFile = path.join(dir, "mosquitto.conf");
    // `user root`: stay as the test's user, so the broker can read the test's files after starting.
    fs.writeFileSync(confFile, [`listener ${p} 127.0.0.1`, ...conf, "user root", "log_dest stderr", "log_type all", ""].join("\n"));
    const m = new TestMosquitto(p, confFile);
    await m.launch();
    return m;
  }

  async launch(): Promise<void> {
    const child = spawn("mosquitto", ["-c", this.confFile], { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    child.stdout.on("data", (d: Buffer) => this.output.push(d.toString()));
    child.stderr.on("data", (d: Buffer) => this.output.push(d.toString()));
    await waitFor(async () => child.exitCode !== null || (await answers(this.port, "127.0.0.1", 200)), `Mosquitto on port ${this.port}`);
    if (child.exitCode !== null) throw new Error(`Mosquitto exited with ${child.exitCode}:\n${this.output.join("")}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }

  /** Stops it and starts it again on the same port, as a homeowner restarting the house's broker. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }
}
