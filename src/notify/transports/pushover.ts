import { z } from "zod";
import { Secret } from "../../config-kit/common.js";
import { bodyAt, type Message, type Priority } from "../message.js";
import type { Channel, Outcome } from "./channel.js";
import { post } from "./http.js";
import { HttpUrl } from "./schema-parts.js";
import { defineTransport } from "./transport.js";

const PushoverApplication = z
  .strictObject({
    token: Secret.meta({ description: "Your Pushover application's API token." }),
    url: HttpUrl.default("https://api.pushover.net").meta({ description: "The API's base URL; leave the default." }),
  })
  .meta({ description: "Push through Pushover (https://pushover.net/api)." });

const PushoverUser = z
  .union([Secret, z.strictObject({ user: Secret, device: z.string().min(1).optional() })])
  .transform((v) => (typeof v === "string" ? { user: v, device: undefined } : { user: v.user, device: v.device }))
  .meta({ description: "The recipient's Pushover user key (${PUSHOVER_USER_ALEX}), or {user, device} for one device." });

/** -1 is always quiet, 0 normal, 1 high priority that bypasses the user's quiet hours (https://pushover.net/api#priority). */
const PRIORITY: Record<Priority, number> = { low: -1, default: 0, high: 1 };

/** Pushover's limits (https://pushover.net/api#limits): longer fields are refused, so they are cut. */
const cut = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/**
 * POSTs to Pushover's messages.json (https://pushover.net/api): the application token, the
 * recipient's user key (and device), message, title, priority, the status page as url, and the
 * time the notification was written as timestamp, so one delivered late shows when it happened.
 */
export class PushoverChannel implements Channel {
  readonly key = "pushover";
  readonly describe: string;
  private readonly endpoint: string;

  constructor(
    private readonly config: z.output<typeof PushoverApplication>,
    private readonly target: { user: string; device: string | undefined },
    private readonly timeoutMs: number,
  ) {
    this.endpoint = `${config.url.replace(/\/+$/, "")}/1/messages.json`;
    this.describe = `Pushover${target.device ? ` device ${target.device}` : ""}`;
  }

  send(msg: Message, now: number, signal: AbortSignal): Promise<Outcome> {
    const form = new URLSearchParams({
      token: this.config.token,
      user: this.target.user,
      message: cut(bodyAt(msg, now), 1024),
      title: cut(msg.title, 250),
      priority: String(PRIORITY[msg.priority]),
      timestamp: String(Math.floor(msg.createdAt / 1000)),
    });
    if (this.target.device) form.set("device", this.target.device);
    if (msg.url) {
      form.set("url", cut(msg.url, 512));
      form.set("url_title", "Hearth status");
    }
    return post(this.endpoint, { "content-type": "application/x-www-form-urlencoded" }, form.toString(), this.timeoutMs, signal);
  }
}

/** A recipient's `pushover:` user key, through the application of `notify.pushover`. */
export const pushover = defineTransport({
  options: { pushover: PushoverApplication.optional() },
  recipient: { pushover: PushoverUser.optional() },
  check: (options, entry, issue) => {
    if (entry.pushover && !options.pushover) issue("pushover", "pushover needs notify.pushover (your application's token)");
  },
  open: (config) => ({
    channels: (_recipient, entry) => (entry.pushover && config.pushover ? [new PushoverChannel(config.pushover, entry.pushover, config.timeout)] : []),
  }),
});
