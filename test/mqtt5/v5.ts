import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import mqtt, { type IClientOptions, type IClientSubscribeOptions, type IConnackPacket, type MqttClient } from "mqtt";
import { formatEntry, hashPassword } from "../../src/mqtt/passwd.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";

/** Cheaper scrypt parameters than the default, so the suite stays quick. */
const CHEAP = { ln: 10, r: 8, p: 1 };

export async function writePasswords(file: string, users: Record<string, string>): Promise<void> {
  const lines = await Promise.all(Object.entries(users).map(async ([u, p]) => formatEntry(u, await hashPassword(p, CHEAP))));
  fs.writeFileSync(file, `${lines.join("\n")}\n`);
}

export type Handshake = { ok: true; connack: IConnackPacket; client: MqttClient } | { ok: false; code: number | undefined; closed: boolean };

/**
 * Connects with mqtt.js and reports the CONNACK: the packet (and the connected client) on
 * success, or the reason code (MQTT 5) / return code (3.1.1) of a refusal.
 */
export function handshake(url: string, opts: IClientOptions): Promise<Handshake> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    client.once("connect", (connack) => resolve({ ok: true, connack, client }));
    client.once("error", (err) => {
      const code = (err as { code?: number }).code;
      client.once("close", () => resolve({ ok: false, code, closed: true }));
      client.end(true);
    });
  });
}

/** The reason code of a refused handshake; fails the test when the client got in. */
export async function refusal(url: string, opts: IClientOptions): Promise<number | undefined> {
  const h = await handshake(url, opts);
  if (h.ok) {
    await h.client.endAsync(true);
    throw new Error(`expected the broker to refuse client "${opts.clientId}", but it connected`);
  }
  return h.code;
}

/** Collects what a client receives: topic, payload text, the PUBLISH packet. */
export function inbox(client: MqttClient) {
  const got: { topic: string; text: string; retain: boolean; properties: Record<string, unknown> | undefined }[] = [];
  client.on("message", (topic, payload, packet) => got.push({ topic, text: payload.toString(), retain: packet.retain, properties: packet.properties }));
  return got;
}

/** Runs the real `mosquitto_sub -V mqttv5` until it has printed `count` messages in `format` (its -F). */
export function mosquittoSub5(
  port: number,
  topic: string,
  format: string,
  opts: { count?: number; login?: { username: string; password: string }; extra?: string[] } = {},
): Promise<string> {
  const args = [
    "-V",
    "mqttv5",
    "-h",
    "127.0.0.1",
    "-p",
    String(port),
    "-t",
    topic,
    "-C",
    String(opts.count ?? 1),
    "-W",
    "10",
    "-F",
    format,
    ...(opts.extra ?? []),
  ];
  if (opts.login) args.push("-u", opts.login.username, "-P", opts.login.password);
  return new Promise((resolve, reject) =>
    execFile("mosquitto_sub", args, { timeout: 15_000 }, (err, out, stderr) =>
      err ? reject(new Error(`mosquitto_sub ${args.join(" ")} failed: ${stderr || err.message}`)) : resolve(out),
    ),
  );
}

/** The SUBACK's codes, one per filter: mqtt.js rejects a SUBSCRIBE with any refused filter, carrying the SUBACK. */
export async function subackCodes(client: MqttClient, filters: string[], opts: IClientSubscribeOptions): Promise<number[]> {
  try {
    return (await client.subscribeAsync(filters, opts)).map((g) => g.qos);
  } catch (err) {
    const granted = (err as { packet?: { granted?: number[] } }).packet?.granted;
    if (!granted) throw err;
    return granted;
  }
}

export const LOGIN = { username: "homeowner", password: "root-pass" };

/**
 * One hub with a password file and an ACL, as a house has it: the homeowner may use every
 * topic, a Tasmota plug only its own. Clients handed to `keep` are ended by `stop`.
 */
export async function startAclHub(name: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hearth-v5${name}-`));
  const passwd = path.join(dir, "passwd");
  await writePasswords(passwd, { homeowner: LOGIN.password, tasmota: "plug-pass" });
  const acl = [
    { user: "homeowner", both: ["#"] },
    { user: "tasmota", publish: ["tele/%c/#"], subscribe: ["cmnd/%c/#"] },
  ];
  const hub: TestHub = await startTestHub({ config: { mqtt: { allow_anonymous: false, password_file: passwd, acl } } });
  const clients: MqttClient[] = [];
  return {
    hub,
    keep(client: MqttClient): MqttClient {
      clients.push(client);
      return client;
    },
    async stop(): Promise<void> {
      await Promise.all(clients.map((c) => c.endAsync(true)));
      await hub.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
