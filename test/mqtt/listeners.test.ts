import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCertificates, type TestCertificates } from "../helpers/certs.js";
import { loadTestConfig, startTestHub, writeTestConfig, type TestHub } from "../helpers/hub.js";
import { connectMqtt } from "../helpers/mqtt.js";
import { waitFor } from "../helpers/wait.js";

function mosquittoSub(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("mosquitto_sub", ["-h", "127.0.0.1", "-C", "1", "-W", "10", ...args], { timeout: 15_000 }, (err, out, stderr) =>
      err ? reject(new Error(`mosquitto_sub: ${stderr || err.message}`)) : resolve(out.trim()),
    ),
  );
}

describe("TLS and WebSocket listeners", () => {
  let dir: string;
  let certs: TestCertificates;
  let t: TestHub;
  const clients: MqttClient[] = [];
  const keep = (c: MqttClient) => (clients.push(c), c);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-listeners-"));
    certs = makeCertificates(path.join(dir, "certs"));
    t = await startTestHub({
      config: {
        mqtt: {
          tls: { port: 0, cert: certs.serverCert, key: certs.serverKey },
          websocket: { port: 0 },
        },
      },
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await t.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const ports = () => t.hub.broker.ports();

  it("serves MQTT over TLS with the configured certificate, to mqtt.js and to mosquitto_sub", async () => {
    const port = ports().mqtts!;
    const secure = keep(await connectMqtt(`mqtts://127.0.0.1:${port}`, { ca: fs.readFileSync(certs.ca), clientId: "tls-client" }));
    const plain = keep(await connectMqtt(t.mqttUrl));
    await plain.publishAsync("tele/tls/STATE", '{"Uptime":"0T00:01:00"}', { qos: 1, retain: true });
    // Retained, so mosquitto_sub gets it as soon as its subscription over TLS is in place.
    expect(await mosquittoSub(["-p", String(port), "--cafile", certs.ca, "-t", "tele/tls/STATE"])).toBe('{"Uptime":"0T00:01:00"}');
    expect(secure.connected).toBe(true);
  });

  it("refuses a TLS client that does not trust the certificate, and counts the failed handshake", async () => {
    const other = makeCertificates(path.join(dir, "other"), "Someone Else");
    await expect(connectMqtt(`mqtts://127.0.0.1:${ports().mqtts}`, { ca: fs.readFileSync(other.ca) })).rejects.toThrow(
      /self-signed|unable to verify|certificate/,
    );
    await waitFor(
      async () => /hearth_mqtt_connections_refused_total\{reason="tls"\} [1-9]/.test(await (await fetch(`${t.httpUrl}/metrics`)).text()),
      "the refused handshake on /metrics",
    );
  });

  it("serves MQTT over WebSocket, between browser-style and TCP clients", async () => {
    const ws = keep(await connectMqtt(`ws://127.0.0.1:${ports().ws}/mqtt`, { clientId: "dashboard" }));
    const seen: string[] = [];
    ws.on("message", (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
    await ws.subscribeAsync("tele/+/LWT", { qos: 1 });
    const tcp = keep(await connectMqtt(t.mqttUrl, { clientId: "plug-ws" }));
    await tcp.publishAsync("tele/plug-ws/LWT", "Online", { qos: 1 });
    await waitFor(() => seen.length > 0, "the message over WebSocket");
    expect(seen).toEqual(["tele/plug-ws/LWT Online"]);
    const page = await fetch(`http://127.0.0.1:${ports().ws}/`);
    expect(page.status).toBe(426);
  });

  it("reports every listener's port on /healthz", async () => {
    const body = (await (await fetch(`${t.httpUrl}/healthz`)).json()) as {
      ports: Record<string, number>;
      components: { broker: { info: Record<string, unknown> } };
    };
    expect(body.ports).toMatchObject({ mqtt: t.mqttPort, mqtts: ports().mqtts, ws: ports().ws });
    expect(body.components.broker.info).toMatchObject({ mqtt_port: t.mqttPort, mqtts_port: ports().mqtts, ws_port: ports().ws });
  });

  it("turns the TCP listener off with listen: false and keeps the others", async () => {
    writeTestConfig({
      dir: t.dir,
      config: { mqtt: { listen: false, tls: { port: ports().mqtts, cert: certs.serverCert, key: certs.serverKey }, websocket: { port: ports().ws } } },
    });
    await t.hub.reload(loadTestConfig(t.configFile, t.rulesDir));
    expect(ports().mqtt).toBeUndefined();
    await expect(connectMqtt(t.mqttUrl, { connectTimeout: 2000 })).rejects.toThrow(/ECONNREFUSED/);
    keep(await connectMqtt(`ws://127.0.0.1:${ports().ws}/`));
  });
});

describe("client certificates", () => {
  let dir: string;
  let certs: TestCertificates;
  let t: TestHub;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-mtls-"));
    certs = makeCertificates(dir);
    t = await startTestHub({
      config: { mqtt: { listen: false, tls: { port: 0, cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, require_client_cert: true } } },
    });
  });
  afterAll(async () => {
    await t.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("lets in a client with a certificate signed by the CA and refuses one without", async () => {
    const url = `mqtts://127.0.0.1:${t.hub.broker.ports().mqtts}`;
    const ca = fs.readFileSync(certs.ca);
    const withCert = await connectMqtt(url, { ca, cert: fs.readFileSync(certs.clientCert), key: fs.readFileSync(certs.clientKey), clientId: "plug1" });
    expect(withCert.connected).toBe(true);
    await withCert.endAsync();
    await expect(connectMqtt(url, { ca, clientId: "no-cert", connectTimeout: 3000 })).rejects.toThrow();
    await waitFor(() => t.logs.find((e) => e.code === "HEARTH_E_MQTT_LOGIN_REFUSED" && e.reason === "tls"), "the refused TLS handshake in the log");
  });
});

describe("certificate renewal", () => {
  let dir: string;
  let t: TestHub;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-renew-"));
  });
  afterAll(async () => {
    await t.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reads renewed certificate files on reload without dropping connected clients", async () => {
    const first = makeCertificates(path.join(dir, "first"), "First");
    const second = makeCertificates(path.join(dir, "second"), "Second");
    const live = { cert: path.join(dir, "fullchain.pem"), key: path.join(dir, "privkey.pem") };
    fs.copyFileSync(first.serverCert, live.cert);
    fs.copyFileSync(first.serverKey, live.key);
    t = await startTestHub({ config: { mqtt: { tls: { port: 0, ...live } } } });
    const url = `mqtts://127.0.0.1:${t.hub.broker.ports().mqtts}`;
    const before = await connectMqtt(url, { ca: fs.readFileSync(first.ca) });

    fs.copyFileSync(second.serverCert, live.cert);
    fs.copyFileSync(second.serverKey, live.key);
    await t.hub.reload(loadTestConfig(t.configFile, t.rulesDir));

    const after = await connectMqtt(url, { ca: fs.readFileSync(second.ca) });
    await expect(connectMqtt(url, { ca: fs.readFileSync(first.ca) })).rejects.toThrow();
    expect(before.connected).toBe(true);
    await Promise.all([before.endAsync(), after.endAsync()]);
  });
});
