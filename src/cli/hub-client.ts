import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ERRORS } from "../kit/errors.js";
import { readHubRecord } from "./hub-record.js";

/** The running hub's HTTP API, as the configuration it runs with describes it. */
interface HubAddress {
  url: string;
  token: string | undefined;
  /** Where the address came from, for the message when nobody answers. */
  from: string;
}

/** Thrown when the command cannot reach the hub or the hub refuses the request; main prints it and exits 1. */
export class HubCallError extends Error {}

/** Who is asking, as announcements and acknowledgements name them: "alex@laptop". */
export const asker = (): string => `${os.userInfo().username}@${os.hostname()}`;

/** The zone the asker reads times in. */
export const askerZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * Where the hub runs: the address a running hub recorded in the configuration's data directory;
 * failing that, a running demo's (config/demo.yaml beside the configuration), so commands find
 * `npm run demo` without flags; failing that, http.host and http.port (with HEARTH_HTTP_HOST/PORT).
 * A hub listening on every address is reached on this machine's loopback.
 */
export async function hubAddress(configFile: string): Promise<HubAddress> {
  const [{ loadConfigFile }, { formatIssue }] = await Promise.all([import("../config/load.js"), import("../config-kit/issues.js")]);
  const { config, issues } = loadConfigFile(configFile, process.env);
  if (!config)
    throw new HubCallError(
      `${issues.map(formatIssue).join("\n")}\nhearth: cannot tell where the hub listens (HEARTH_E_CONFIG_INVALID: ${ERRORS.HEARTH_E_CONFIG_INVALID.fix})`,
    );
  const { host, port, token } = config.http;
  const running = readHubRecord(config.storage.dir);
  if (running) return { url: running.url, token, from: `${path.join(config.storage.dir, "hearth.json")} (pid ${running.pid})` };
  const demoFile = path.join(path.dirname(configFile), "demo.yaml");
  if (path.resolve(demoFile) !== path.resolve(configFile) && fs.existsSync(demoFile)) {
    const demo = loadConfigFile(demoFile, process.env).config;
    const demoHub = demo && readHubRecord(demo.storage.dir);
    if (demoHub)
      return { url: demoHub.url, token: demo.http.token, from: `the running demo's ${path.join(demo.storage.dir, "hearth.json")} (pid ${demoHub.pid})` };
  }
  const reach = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return { url: `http://${reach.includes(":") ? `[${reach}]` : reach}:${port}`, token, from: `http.host and http.port of ${configFile}` };
}

/** One request to the running hub; the answer's JSON, or a HubCallError that says what went wrong. */
export async function callHub<T>(hub: HubAddress, method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${hub.url}${path}`, {
      method,
      headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...(hub.token ? { authorization: `Bearer ${hub.token}` } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    const why = code === "ECONNREFUSED" ? "nothing listens there" : (code ?? (err instanceof Error ? err.message : String(err)));
    throw new HubCallError(`no Hearth is running at ${hub.url} (${hub.from}): ${why} (HEARTH_E_HUB_NOT_RUNNING: ${ERRORS.HEARTH_E_HUB_NOT_RUNNING.fix})`);
  }
  const answer = (await res.json().catch(() => ({}))) as { error?: string; code?: string } & T;
  if (!res.ok) throw new HubCallError(`${answer.error ?? `the hub answered ${res.status}`}${answer.code ? ` (${answer.code})` : ""}`);
  return answer;
}
