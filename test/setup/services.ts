import { execSync } from "node:child_process";
import net from "node:net";

/**
 * The machine's own services that tests talk to. A test never skips because one is down:
 * this setup starts it with the same command the machine uses, and fails the run loudly if it
 * still does not answer.
 */
const SERVICES: { name: string; port: number; start: string }[] = [
  { name: "Mosquitto", port: 1883, start: "mosquitto -d -c /etc/mosquitto/mosquitto.conf" },
  { name: "PostgreSQL", port: 5432, start: "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start" },
  { name: "Redis", port: 6379, start: 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no' },
];

export const answers = (port: number, host = "127.0.0.1", timeoutMs = 1000): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });

export default async function ensureServices(): Promise<void> {
  for (const s of SERVICES) {
    if (await answers(s.port)) continue;
    try {
      execSync(s.start, { stdio: "pipe", shell: "/bin/bash" });
    } catch (err) {
      throw new Error(`${s.name} is not running on 127.0.0.1:${s.port} and could not be started with "${s.start}": ${String(err)}`, { cause: err });
    }
    for (let i = 0; i < 50 && !(await answers(s.port)); i++) await new Promise((r) => setTimeout(r, 200));
    if (!(await answers(s.port))) throw new Error(`${s.name} was started with "${s.start}" but does not answer on 127.0.0.1:${s.port}`);
  }
}
