import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/kit/clock.js";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { mosquittoPub } from "../helpers/mqtt.js";
import { RecordingServer, type RecordedRequest } from "../helpers/recorder.js";
import { waitFor } from "../helpers/wait.js";
import { queryStore } from "../helpers/store.js";

/*
 * Local servers that answer as each service documents it:
 * - ntfy, "Publish as JSON" (https://docs.ntfy.sh/publish/#publish-as-json): POST the message to the
 *   server's root URL with `topic`, `title`, `message`, `priority` (1-5), `tags`, `click`; an access
 *   token as `Authorization: Bearer tk_…` (https://docs.ntfy.sh/publish/#access-tokens). It answers
 *   with the message as JSON; errors are JSON with `code`, `http`, `error`.
 * - Pushover (https://pushover.net/api): POST https://api.pushover.net/1/messages.json with `token`,
 *   `user`, `message` and the optional `device`, `title`, `url`, `url_title`, `priority` (-2..2),
 *   `timestamp`; `{"status":1,"request":…}` on success, a 4xx with `status` 0 and `errors` when input
 *   is invalid (which must not be sent again).
 * - Gotify (https://gotify.net/docs/pushmsg): POST /message with the application token in the
 *   `X-Gotify-Key` header and a JSON `title`, `message`, `priority`, `extras`; the click URL as
 *   `extras["client::notification"].click.url` (https://gotify.net/docs/msgextras).
 * - Hearth's webhook (README "Notifications"): a JSON body, the configured headers,
 *   `X-Hearth-Delivery` (the outbox id) and `X-Hearth-Signature-256: sha256=<hex HMAC-SHA256 of the body>`.
 */
const ntfy = new RecordingServer(() => ({
  status: 200,
  body: JSON.stringify({ id: "hwQ2YpKdmg", time: 1767787260, event: "message", topic: "hearth-alex-7f3k9q" }),
}));
const pushover = new RecordingServer(() => ({ status: 200, body: JSON.stringify({ status: 1, request: "647d2300-702c-4b38-8b2f-d56326ae460b" }) }));
const gotify = new RecordingServer(() => ({ status: 200, body: JSON.stringify({ id: 25, appid: 5, date: "2026-01-07T12:01:00Z" }) }));
const hook = new RecordingServer(() => ({ status: 204 }));

const rules = {
  version: 1,
  mappings: [{ topic: "sensors/+room/temperature", metric: "temp", tags: ["room:{room}"] }],
  monitors: [
    {
      name: "too warm",
      query: "last(last_5m):temp{*} by {room} > 30",
      recipients: ["alex"],
      message: "{{#is_alert}}The {{room.name}} is at {{value}} °C.{{/is_alert}}{{#is_recovery}}Back to {{value}} °C.{{/is_recovery}}",
    },
  ],
};

const json = (r: RecordedRequest) => JSON.parse(r.body) as Record<string, unknown>;
const form = (r: RecordedRequest) => Object.fromEntries(new URLSearchParams(r.body));

describe("push and webhook notifications", () => {
  const clock = new ManualClock(Date.parse("2026-01-07T12:00:00Z"));
  let t: TestHub;

  const publish = async (value: number) => {
    const before = t.samples.length;
    await mosquittoPub(t.mqttPort, "sensors/kitchen/temperature", String(value));
    await waitFor(() => t.samples.length > before, "the temperature sample");
  };
  const statuses = () => queryStore<{ id: number; channel: string; status: string }>(t.dir, "SELECT id, channel, status FROM notifications ORDER BY id");

  beforeAll(async () => {
    await Promise.all([ntfy.start(), pushover.start(), gotify.start(), hook.start()]);
    t = await startTestHub({
      clock,
      env: {
        NTFY_TOKEN: "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2",
        PUSHOVER_TOKEN: "azGDORePK8gMaC0QOYAMyEEuzJnyUi",
        PUSHOVER_USER: "uQiRzpo4DXghDmr9QzzfQu27cmVRsG",
        GOTIFY_TOKEN: "AiOLxxDxYOCc7bY",
        HOOK_SECRET: "hook-secret",
      },
      config: {
        notify: {
          status_url: "http://pve1.lan:8686/",
          retry: { min: "10s", max: "40s" },
          ntfy: { url: ntfy.url, token: "${NTFY_TOKEN}" },
          pushover: { token: "${PUSHOVER_TOKEN}", url: pushover.url },
          gotify: { url: gotify.url, token: "${GOTIFY_TOKEN}" },
          webhooks: { ops: { url: `${hook.url}/hooks/hearth`, headers: { "X-Team": "home" }, secret: "${HOOK_SECRET}" } },
          recipients: { alex: { ntfy: "hearth-alex-7f3k9q", pushover: { user: "${PUSHOVER_USER}", device: "pixel" }, gotify: true, webhook: "ops" } },
        },
      },
      rules: { "house.yaml": rules },
    });
  });
  afterAll(async () => {
    await t.stop();
    await Promise.all([ntfy.stop(), pushover.stop(), gotify.stop(), hook.stop()]);
  });

  it("publishes an alert to ntfy as JSON with the title, a high priority, an emoji tag and the status page to open, retrying a 503", async () => {
    ntfy.next({ status: 503, body: JSON.stringify({ code: 50301, http: 503, error: "service unavailable" }) });
    await publish(35);
    clock.advance(60_000);
    await waitFor(
      () => ntfy.requests.length === 1 && pushover.requests.length === 1 && gotify.requests.length === 1 && hook.requests.length === 1,
      "one request on each channel",
    );
    await waitFor(() => t.logs.find((e) => e.code === "HEARTH_E_NOTIFY_FAILED" && e.channel === "ntfy"), "the 503 noted");
    clock.advance(60_000);
    await waitFor(() => ntfy.requests.length === 2 && statuses().every((r) => r.status === "sent"), "the retry accepted");
    for (const r of ntfy.requests) {
      expect(r).toMatchObject({ method: "POST", path: "/" });
      expect(r.headers).toMatchObject({ "content-type": "application/json", authorization: "Bearer tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2" });
      expect(json(r)).toEqual({
        topic: "hearth-alex-7f3k9q",
        title: "[Triggered on {room:kitchen}] too warm",
        message: "The kitchen is at 35 °C.",
        priority: 4,
        tags: ["rotating_light"],
        click: "http://pve1.lan:8686/",
      });
    }
    expect(t.logs.find((e) => e.channel === "ntfy" && String(e.msg).startsWith("Sent"))?.answer).toBe(
      '200 {"id":"hwQ2YpKdmg","time":1767787260,"event":"message","topic":"hearth-alex-7f3k9q"}',
    );
  });

  it("posts to Pushover's messages.json with the app token, the user key and device, a high priority, the status URL and when it happened", () => {
    const [r] = pushover.requests;
    expect(r).toMatchObject({ method: "POST", path: "/1/messages.json" });
    expect(r!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(form(r!)).toEqual({
      token: "azGDORePK8gMaC0QOYAMyEEuzJnyUi",
      user: "uQiRzpo4DXghDmr9QzzfQu27cmVRsG",
      device: "pixel",
      message: "The kitchen is at 35 °C.",
      title: "[Triggered on {room:kitchen}] too warm",
      priority: "1",
      timestamp: String(Date.parse("2026-01-07T12:01:00Z") / 1000),
      url: "http://pve1.lan:8686/",
      url_title: "Hearth status",
    });
  });

  it("posts to Gotify's /message with the application token in X-Gotify-Key, plain text and the click URL in extras", () => {
    const [r] = gotify.requests;
    expect(r).toMatchObject({ method: "POST", path: "/message" });
    expect(r!.headers).toMatchObject({ "x-gotify-key": "AiOLxxDxYOCc7bY", "content-type": "application/json" });
    expect(json(r!)).toEqual({
      title: "[Triggered on {room:kitchen}] too warm",
      message: "The kitchen is at 35 °C.",
      priority: 8,
      extras: { "client::display": { contentType: "text/plain" }, "client::notification": { click: { url: "http://pve1.lan:8686/" } } },
    });
  });

  it("posts the webhook's JSON with its headers, the delivery id, and an HMAC-SHA256 signature of the exact body", () => {
    const [r] = hook.requests;
    expect(r).toMatchObject({ method: "POST", path: "/hooks/hearth" });
    expect(r!.headers).toMatchObject({ "content-type": "application/json", "x-team": "home", "x-hearth-delivery": "4" });
    const expected = `sha256=${createHmac("sha256", "hook-secret").update(Buffer.from(r!.body, "utf8")).digest("hex")}`;
    expect(r!.headers["x-hearth-signature-256"]).toBe(expected);
    expect(json(r!)).toEqual({
      id: 4,
      created_at: "2026-01-07T12:01:00.000Z",
      kind: "alert",
      recipient: "alex",
      monitor: "too warm",
      group: "room:kitchen",
      state: "ALERT",
      priority: "high",
      title: "[Triggered on {room:kitchen}] too warm",
      message: "The kitchen is at 35 °C.",
      url: "http://pve1.lan:8686/",
      host: "test-host",
    });
  });

  it("sends a recovery at low priority; a notification Pushover refuses for good is kept as failed and the next one still goes", async () => {
    pushover.next({
      status: 400,
      body: JSON.stringify({ user: "invalid", errors: ["user identifier is not a valid user, group, or subscribed user key"], status: 0, request: "5042853c" }),
    });
    await publish(20);
    clock.advance(60_000);
    await waitFor(() => statuses().length === 8 && statuses().every((r) => r.status !== "pending"), "the recovery dealt with on every channel");
    expect(json(ntfy.requests[2]!)).toMatchObject({ title: "[Recovered on {room:kitchen}] too warm", priority: 2, tags: ["white_check_mark"] });
    expect(form(pushover.requests[1]!).priority).toBe("-1");
    expect(json(gotify.requests[1]!).priority).toBe(2);
    expect(statuses().find((r) => r.channel === "pushover" && r.id > 4)?.status).toBe("failed");
    expect(t.logs.find((e) => e.code === "HEARTH_E_NOTIFY_REJECTED")?.answer).toContain("user identifier is not a valid user");

    await publish(37);
    clock.advance(60_000);
    await waitFor(() => pushover.requests.length === 3 && statuses().every((r) => r.status !== "pending"), "the next alert on Pushover");
    expect(
      statuses()
        .filter((r) => r.channel === "pushover")
        .map((r) => r.status),
    ).toEqual(["sent", "failed", "sent"]);
  });
});
