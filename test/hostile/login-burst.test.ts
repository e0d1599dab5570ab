import fs from "node:fs";
import path from "node:path";
import type { MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { formatEntry, hashPassword } from "../../src/mqtt/passwd.js";
import { startTestHub, writeTestConfig, type TestHub } from "../helpers/hub.js";
import { metricValue, scrape } from "../helpers/metrics.js";
import { connectMqtt } from "../helpers/mqtt.js";

const LIMIT = 30;
const BURST = 60;
/**
 * The 30 logins let in each cost one scrypt hash at `hearth passwd`'s cost, four at a time on
 * libuv's pool: about 33 s on an idle machine, and more than twice that when the machine is busy.
 * The deadlines are generous so a loaded machine is slow, not failed; nothing here sleeps.
 */
const LOGIN_DEADLINE_MS = 180_000;

let t: TestHub | undefined;
const clients: MqttClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await t?.stop();
  t = undefined;
});

describe("mqtt.max_clients under a burst of logins", () => {
  it(
    `lets exactly ${LIMIT} of ${BURST} simultaneous logins in: 3.1.1 clients beyond get CONNACK 3, MQTT 5 clients 0x97`,
    async () => {
      const { dir } = writeTestConfig();
      const passwd = path.join(dir, "passwd");
      fs.writeFileSync(passwd, `${formatEntry("sensor", await hashPassword("sensor-pass"))}\n`);
      t = await startTestHub({ dir, config: { mqtt: { allow_anonymous: false, password_file: passwd, max_clients: LIMIT } } });
      const url = t.mqttUrl;
      // The password file's hash has `hearth passwd`'s own cost, so checking a password takes as long as in a house; every login starts before the first is through.
      const outcomes = await Promise.allSettled(
        Array.from({ length: BURST }, (_, i) =>
          connectMqtt(url, {
            clientId: `burst-${i}`,
            username: "sensor",
            password: "sensor-pass",
            protocolVersion: i % 2 === 0 ? 4 : 5,
            connectTimeout: LOGIN_DEADLINE_MS,
          }),
        ),
      );
      const accepted = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
      clients.push(...accepted);
      expect(accepted).toHaveLength(LIMIT);
      const refusals = outcomes.flatMap((o, i) =>
        o.status === "rejected" ? [{ version: i % 2 === 0 ? 4 : 5, code: (o.reason as { code?: number }).code }] : [],
      );
      expect(refusals).toHaveLength(BURST - LIMIT);
      for (const r of refusals) expect(r.code).toBe(r.version === 5 ? 0x97 : 3);
      const metrics = await scrape(t.httpUrl);
      expect(metricValue(metrics, "hearth_mqtt_connections_refused_total", { reason: "max_clients" })).toBe(BURST - LIMIT);
      expect(metricValue(metrics, "hearth_mqtt_clients")).toBe(LIMIT);
      // A slot freed is a slot taken: one leaves, one more gets in.
      await accepted[0]!.endAsync();
      clients.push(await connectMqtt(url, { clientId: "after-burst", username: "sensor", password: "sensor-pass", connectTimeout: LOGIN_DEADLINE_MS }));
    },
    LOGIN_DEADLINE_MS + 60_000,
  );

  it('counts a client whose id is "constructor" like any other', async () => {
    t = await startTestHub({ config: { mqtt: { max_clients: 1 } } });
    clients.push(await connectMqtt(t.mqttUrl, { clientId: "first" }));
    const refused = await connectMqtt(t.mqttUrl, { clientId: "constructor" }).then(
      () => undefined,
      (err: { code?: number }) => err.code,
    );
    expect(refused).toBe(3);
  });
});
