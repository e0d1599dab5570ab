import fs from "node:fs";
import path from "node:path";

/**
 * What a running hub leaves in its data directory, so `hearth snooze`, `hearth downtime` and
 * `kill -HUP "$(cat data/hearth.pid)"` find it without being told its address (the demo's port,
 * an ephemeral port, an environment override).
 */
interface HubRecord {
  pid: number;
  url: string;
  started_at: string;
}

const RECORD = "hearth.json";
const PID = "hearth.pid";

export function writeHubRecord(dir: string, record: HubRecord): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, RECORD), `${JSON.stringify(record, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, PID), `${record.pid}\n`);
}

/** Removes the record, if it is still this process's. */
export function removeHubRecord(dir: string, pid: number): void {
  if (readHubRecord(dir)?.pid !== pid) return;
  for (const f of [RECORD, PID]) fs.rmSync(path.join(dir, f), { force: true });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** The record of a hub that is still running from `dir`, if there is one. */
export function readHubRecord(dir: string): HubRecord | undefined {
  let record: HubRecord;
  try {
    record = JSON.parse(fs.readFileSync(path.join(dir, RECORD), "utf8")) as HubRecord;
  } catch {
    return undefined;
  }
  return Number.isInteger(record.pid) && typeof record.url === "string" && alive(record.pid) ? record : undefined;
}
