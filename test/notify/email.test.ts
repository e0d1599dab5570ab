import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kit/clock.js";
import { makeCertificates } from "../helpers/certs.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { mosquittoPub } from "../helpers/mqtt.js";
import { TestSmtpServer } from "../helpers/smtp.js";
import { waitFor } from "../helpers/wait.js";
import { queryStore } from "../helpers/store.js";

const rules = {
  version: 1,
  mappings: [{ topic: "sensors/+room/temperature", metric: "temp", tags: ["room:{room}"] }],
  monitors: [
    {
      name: "too warm",
      query: "last(last_5m):temp{*} by {room} > 30",
      recipients: ["alex"],
      message: "{{#is_alert}}The {{room.name}} is at {{value}} °C.{{/is_alert}}{{#is_recovery}}The {{room.name}} is back to {{value}} °C.{{/is_recovery}}",
    },
  ],
};

/**
 * Email through a real SMTP server over a socket: STARTTLS with the server's own CA, a login, two
 * addresses for one recipient, the message read back with mailparser. The server is stopped in
 * the middle of an alert and started again: every notification arrives once, in order. The steps
 * share one hub and one clock, and each starts where the one before it left off.
 */
describe.sequential("email notifications, a sequence of steps on one hub", () => {
  const certs = makeCertificates(fs.mkdtempSync(path.join(os.tmpdir(), "hearth-smtp-certs-")), "Mail");
  const smtp = new TestSmtpServer({ tls: { key: certs.serverKey, cert: certs.serverCert }, users: { "hearth@example.com": "s3cret-pass" } });
  const clock = new ManualClock(Date.parse("2026-01-07T12:00:00Z"));
  let t: TestHub;

  const publish = async (value: number) => {
    const before = t.samples.length;
    await mosquittoPub(t.mqttPort, "sensors/kitchen/temperature", String(value));
    await waitFor(() => t.samples.length > before, "the temperature sample");
  };
  const outbox = () =>
    queryStore<{ id: number; status: string; title: string; attempts: number }>(t.dir, "SELECT id, status, title, attempts FROM notifications ORDER BY id");

  beforeAll(async () => {
    await smtp.start();
    t = await startTestHub({
      clock,
      env: { SMTP_PASSWORD: "s3cret-pass" },
      config: {
        notify: {
          status_url: "http://pve1.lan:8686/",
          retry: { min: "10s", max: "40s" },
          smtp: {
            host: "localhost",
            port: smtp.port,
            security: "starttls",
            username: "hearth@example.com",
            password: "${SMTP_PASSWORD}",
            from: "Hearth <hearth@example.com>",
            ca_file: certs.ca,
          },
          recipients: { alex: { email: ["alex@example.com", "sam@example.com"] } },
        },
      },
      rules: { "house.yaml": rules },
    });
  });
  afterAll(async () => {
    await t.stop();
    await smtp.stop();
    fs.rmSync(certs.dir, { recursive: true, force: true });
  });

  it("sends an alert as one email to every address of the recipient, over STARTTLS with a login", async () => {
    await publish(35);
    clock.advance(60_000);
    const { mail, ...envelope } = await waitFor(() => smtp.received[0], "the alert email");
    expect(envelope).toEqual({ from: "hearth@example.com", to: ["alex@example.com", "sam@example.com"], user: "hearth@example.com", secure: true });
    expect(mail.subject).toBe("[Triggered on {room:kitchen}] too warm");
    expect(mail.from?.value).toEqual([{ name: "Hearth", address: "hearth@example.com" }]);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address) : []).toEqual(["alex@example.com", "sam@example.com"]);
    expect(mail.text).toBe("The kitchen is at 35 °C.\n\nStatus: http://pve1.lan:8686/\n— Hearth on test-host\n");
    expect(mail.messageId).toBe("<hearth.1@test-host>");
    expect(mail.date?.toISOString()).toBe("2026-01-07T12:01:00.000Z");
    expect(mail.headers.get("priority")).toBe("high"); // X-Priority: 1, Importance: High
    await waitFor(() => outbox()[0]?.status === "sent", "the outbox row marked sent");
    expect(
      t.logs.find(
        (e) =>
          e.notification === 1 &&
          String(e.msg).startsWith('Sent "[Triggered on {room:kitchen}] too warm" to alex by email to alex@example.com, sam@example.com'),
      )?.answer,
    ).toMatch(/^250 /);
  });

  it("keeps notifications through an outage of the mail server and delivers each once, in order, when it is back", async () => {
    await smtp.stop();
    await publish(20);
    clock.advance(60_000); // the recovery: the server refuses connections
    await waitFor(() => t.logs.find((e) => e.code === "HEARTH_E_NOTIFY_FAILED" && e.notification === 2), "the failed attempt");
    const health = (await (await fetch(`${t.httpUrl}/healthz`)).json()) as { components: Record<string, { state: string; detail?: string }> };
    expect(health.components.notify).toMatchObject({ state: "degraded" });
    expect(health.components.notify!.detail).toMatch(/^email for alex: /);

    await publish(36);
    clock.advance(60_000); // alerting again, queued behind the recovery
    await waitFor(() => outbox().length === 3, "the second alert in the outbox");
    expect(outbox().map((r) => [r.title, r.status])).toEqual([
      ["[Triggered on {room:kitchen}] too warm", "sent"],
      ["[Recovered on {room:kitchen}] too warm", "pending"],
      ["[Triggered on {room:kitchen}] too warm", "pending"],
    ]);

    await smtp.start(); // the same port
    clock.advance(60_000); // past the longest retry delay
    await waitFor(() => smtp.received.length >= 3 && outbox().every((r) => r.status === "sent"), "the waiting emails");
    expect(smtp.received.map((r) => r.mail.subject)).toEqual([
      "[Triggered on {room:kitchen}] too warm",
      "[Recovered on {room:kitchen}] too warm",
      "[Triggered on {room:kitchen}] too warm",
    ]);
    expect(smtp.received.map((r) => r.mail.messageId)).toEqual(["<hearth.1@test-host>", "<hearth.2@test-host>", "<hearth.3@test-host>"]);
    // Written at 12:02, delivered after 12:04: it says when it happened.
    expect(smtp.received[1]!.mail.text).toBe(
      "The kitchen is back to 20 °C.\n\n(Written at 2026-01-07 12:02:00 UTC; delivered late.)\n\nStatus: http://pve1.lan:8686/\n— Hearth on test-host\n",
    );
    expect(outbox()[1]!.attempts).toBeGreaterThan(1);
    expect((await (await fetch(`${t.httpUrl}/metrics`)).text()).match(/hearth_notify_notifications_total\{channel="email",status="sent"\} (\d+)/)?.[1]).toBe(
      "3",
    );
  });
});
