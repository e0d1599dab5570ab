import { z } from "zod";
import { Secret } from "../../config-kit/common.js";
import { bodyAt, emojiTag, type Message, type Priority } from "../message.js";
import type { Channel, Outcome } from "./channel.js";
import { post } from "./http.js";
import { HttpUrl } from "./schema-parts.js";
import { defineTransport } from "./transport.js";

const NtfyServer = z
  .strictObject({
    url: HttpUrl.default("https://ntfy.sh").meta({ description: "The ntfy server: https://ntfy.sh or your own." }),
    token: Secret.optional().meta({ description: "An access token (tk_…) for protected topics, sent as Authorization: Bearer." }),
    username: z.string().min(1).optional().meta({ description: "Or a user name (with password), sent as Basic authentication." }),
    password: Secret.optional().meta({ description: "The user's password." }),
  })
  .refine((n) => (n.username === undefined) === (n.password === undefined), { message: "username and password go together" })
  .refine((n) => n.token === undefined || n.username === undefined, { message: "give a token or a username and password, not both" })
  .meta({ description: "Push through ntfy (https://docs.ntfy.sh/publish/)." });

const NtfyTopic = z
  .union([z.string(), z.strictObject({ topic: z.string() })])
  .transform((v) => (typeof v === "string" ? v : v.topic))
  .pipe(z.string().regex(/^[-_A-Za-z0-9]{1,64}$/, { message: "an ntfy topic holds letters, digits, '-' and '_' (at most 64): pick one that is hard to guess" }))
  .meta({ description: "The ntfy topic the recipient subscribes to (it works like a password: make it hard to guess)." });

/** ntfy's priorities run from 1 (min) to 5 (max); 3 is the default (https://docs.ntfy.sh/publish/#message-priority). */
const PRIORITY: Record<Priority, number> = { low: 2, default: 3, high: 4 };

/**
 * Publishes to an ntfy topic as JSON, POSTed to the server's root URL (https://docs.ntfy.sh/publish/#publish-as-json):
 * titles and bodies in any language travel in the body, where headers would need RFC 2047 encoding
 * (the same page's note on UTF-8 in headers). Authentication: an access token as Bearer, or a user
 * and password as Basic (https://docs.ntfy.sh/publish/#authentication).
 */
export class NtfyChannel implements Channel {
  readonly key = "ntfy";
  readonly describe: string;
  private readonly root: string;
  private readonly headers: Record<string, string>;

  constructor(
    config: z.output<typeof NtfyServer>,
    private readonly topic: string,
    private readonly timeoutMs: number,
  ) {
    this.root = config.url.replace(/\/*$/, "/");
    this.describe = `ntfy topic ${topic} on ${config.url}`;
    this.headers = { "content-type": "application/json" };
    if (config.token) this.headers.authorization = `Bearer ${config.token}`;
    else if (config.username) this.headers.authorization = `Basic ${Buffer.from(`${config.username}:${config.password}`).toString("base64")}`;
  }

  send(msg: Message, now: number, signal: AbortSignal): Promise<Outcome> {
    const body = {
      topic: this.topic,
      title: msg.title,
      message: bodyAt(msg, now),
      priority: PRIORITY[msg.priority],
      tags: [emojiTag(msg)],
      ...(msg.url ? { click: msg.url } : {}),
    };
    return post(this.root, this.headers, JSON.stringify(body), this.timeoutMs, signal);
  }
}

/** A recipient's `ntfy:` topic, on the one ntfy server of `notify.ntfy`. */
export const ntfy = defineTransport({
  options: { ntfy: NtfyServer.prefault({}) },
  recipient: { ntfy: NtfyTopic.optional() },
  open: (config) => ({
    channels: (_recipient, entry) => (entry.ntfy ? [new NtfyChannel(config.ntfy, entry.ntfy, config.timeout)] : []),
  }),
});
