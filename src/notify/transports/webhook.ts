import { createHmac } from "node:crypto";
import { z } from "zod";
import { Name, Secret } from "../../config-kit/common.js";
import { suggestion } from "../../config-kit/issues.js";
import { VERSION } from "../../kit/version.js";
import { bodyAt, type Message } from "../message.js";
import type { Channel, Outcome } from "./channel.js";
import { post } from "./http.js";
import { HttpUrl, oneOrMore } from "./schema-parts.js";
import { defineTransport } from "./transport.js";

const Webhook = z
  .strictObject({
    url: HttpUrl.meta({ description: "Where the JSON is POSTed." }),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9-]+$/, { message: "expected a header name" }), z.string())
      .default({})
      .meta({ description: "Extra headers, e.g. Authorization: Bearer ${HOOK_TOKEN}." }),
    secret: Secret.optional().meta({
      description: "When set, every request carries X-Hearth-Signature-256: sha256=<HMAC-SHA256 of the body with this secret, hex>.",
    }),
  })
  .meta({ description: "A generic webhook: a JSON body per notification." });

type WebhookConfig = z.output<typeof Webhook>;

/** The signature header: HMAC-SHA256 of the exact body bytes with the webhook's secret, as hex. */
const SIGNATURE_HEADER = "x-hearth-signature-256";

const signBody = (secret: string, body: string): string => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

/**
 * POSTs one JSON document per notification. `X-Hearth-Delivery` carries the outbox id, the same
 * on a resend after a crash, so a receiver can drop the copy; with a `secret`, the body is signed
 * (X-Hearth-Signature-256: sha256=<hex>) so the receiver knows it came from this Hearth.
 */
class WebhookChannel implements Channel {
  readonly key: string;
  readonly describe: string;

  constructor(
    name: string,
    private readonly config: WebhookConfig,
    private readonly recipient: string,
    private readonly timeoutMs: number,
  ) {
    this.key = `webhook:${name}`;
    this.describe = `webhook ${name} (${new URL(config.url).origin})`;
  }

  send(msg: Message, now: number, signal: AbortSignal): Promise<Outcome> {
    const body = JSON.stringify({
      id: msg.id,
      created_at: new Date(msg.createdAt).toISOString(),
      kind: msg.kind,
      recipient: this.recipient,
      ...(msg.monitor !== undefined ? { monitor: msg.monitor } : {}),
      ...(msg.group !== undefined ? { group: msg.group } : {}),
      ...(msg.state !== undefined ? { state: msg.state } : {}),
      priority: msg.priority,
      title: msg.title,
      message: bodyAt(msg, now),
      ...(msg.url ? { url: msg.url } : {}),
      host: msg.host,
    });
    const headers: Record<string, string> = {
      ...Object.fromEntries(Object.entries(this.config.headers).map(([k, v]) => [k.toLowerCase(), v])),
      "content-type": "application/json",
      "user-agent": `Hearth/${VERSION}`,
      "x-hearth-delivery": String(msg.id),
    };
    if (this.config.secret) headers[SIGNATURE_HEADER] = signBody(this.config.secret, body);
    return post(this.config.url, headers, body, this.timeoutMs, signal);
  }
}

/** The webhooks (from `notify.webhooks`) a recipient's `webhook:` names, one channel each. */
export const webhook = defineTransport({
  options: { webhooks: z.record(Name, Webhook).default({}).meta({ description: "Webhooks by name; recipients list the ones they receive." }) },
  recipient: {
    webhook: oneOrMore(Name).optional().meta({ description: "Webhooks (by name, from notify.webhooks) that receive this recipient's notifications." }),
  },
  check: (options, entry, issue) => {
    for (const hook of entry.webhook ?? []) {
      if (!options.webhooks[hook]) issue("webhook", `no webhook named "${hook}" in notify.webhooks${suggestion(hook, Object.keys(options.webhooks))}`);
    }
  },
  open: (config) => ({
    channels: (recipient, entry) => (entry.webhook ?? []).map((hook) => new WebhookChannel(hook, config.webhooks[hook]!, recipient, config.timeout)),
  }),
});
