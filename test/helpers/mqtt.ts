import { execFile } from "node:child_process";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";

export async function connectMqtt(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
}

export interface PubOptions {
  retain?: boolean;
  qos?: 0 | 1 | 2;
  username?: string;
  password?: string;
  extra?: string[];
}

/** Publishes with the real `mosquitto_pub` client, as a device or a homeowner's script would. */
export function mosquittoPub(port: number, topic: string, payload: string | Buffer, opts: PubOptions = {}): Promise<void> {
  const args = ["-h", "127.0.0.1", "-p", String(port), "-t", topic, "-q", String(opts.qos ?? 0)];
  if (opts.retain) args.push("-r");
  if (opts.username) args.push("-u", opts.username);
  if (opts.password) args.push("-P", opts.password);
  args.push(...(opts.extra ?? []));
  if (Buffer.isBuffer(payload) || payload.length === 0) args.push(payload.length === 0 ? "-n" : "-s");
  else args.push("-m", payload);
  return new Promise((resolve, reject) => {
    const child = execFile("mosquitto_pub", args, { timeout: 10_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`mosquitto_pub ${args.join(" ")} failed: ${stderr || err.message}`)) : resolve(),
    );
    if (Buffer.isBuffer(payload) && payload.length > 0) child.stdin?.end(payload);
    else child.stdin?.end();
  });
}
