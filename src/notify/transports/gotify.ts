import { z } from "zod";
import { Secret } from "../../config-kit/common.js";
import { bodyAt, type Message, type Priority } from "../message.js";
import type { Channel, Outcome } from "./channel.js";
import { post } from "./http.js";
import { HttpUrl } from "./schema-parts.js";
import { defineTransport } from "./transport.js";

const GotifyServer = z
  .strictObject({
    url: HttpUrl.meta({ description: "Your Gotify server, e.g. https://gotify.lan." }),
    token: Secret.optional().meta({
      description: "An application token; a recipient may give its own instead (the messages go to the user who owns the application).",
    }),
  })
  .meta({ description: "Push through a Gotify server (https://gotify.net/docs/pushmsg)." });

const GotifyApplication = z
  .union([z.literal(true), z.strictObject({ token: Secret })])
  .transform((v) => (v === true ? { token: undefined } : { token: v.token }))
  .meta({ description: "true: the gotify transport's token; or {token} for an application of the recipient's own." });

/** Gotify's Android client is silent below 4 and insistent from 8 (https://gotify.net/docs/msgextras, priority notes). */
const PRIORITY: Record<Priority, number> = { low: 2, default: 5, high: 8 };

/**
 * POSTs to a Gotify server's /message with an application token in the X-Gotify-Key header
 * (https://gotify.net/docs/pushmsg): title, message, priority, and extras that keep the text
 * plain and open the status page on a tap (https://gotify.net/docs/msgextras: client::display,
 * client::notification click).
 */
export class GotifyChannel implements Channel {
  readonly key = "gotify";
  readonly describe: string;
  private readonly endpoint: string;

  constructor(
    config: z.output<typeof GotifyServer>,
    private readonly token: string,
    private readonly timeoutMs: number,
  ) {
    this.endpoint = `${config.url.replace(/\/+$/, "")}/message`;
    this.describe = `Gotify on ${config.url}`;
  }

  send(msg: Message, now: number, signal: AbortSignal): Promise<Outcome> {
    const body = {
      title: msg.title,
      message: bodyAt(msg, now),
      priority: PRIORITY[msg.priority],
      extras: {
        "client::display": { contentType: "text/plain" },
        ...(msg.url ? { "client::notification": { click: { url: msg.url } } } : {}),
      },
    };
    return post(this.endpoint, { "content-type": "application/json", "x-gotify-key": this.token }, JSON.stringify(body), this.timeoutMs, signal);
  }
}

/** A recipient's `gotify:`, with its own application token or the one of `notify.gotify`. */
export const gotify = defineTransport({
  options: { gotify: GotifyServer.optional() },
  recipient: { gotify: GotifyApplication.optional() },
  check: (options, entry, issue) => {
    if (entry.gotify && !options.gotify) issue("gotify", "gotify needs notify.gotify (the server's url)");
    else if (entry.gotify && !entry.gotify.token && !options.gotify?.token) issue("gotify", "needs a token: here ({token: …}) or in notify.gotify.token");
  },
  open: (config) => ({
    channels: (_recipient, entry) =>
      entry.gotify && config.gotify ? [new GotifyChannel(config.gotify, (entry.gotify.token ?? config.gotify.token)!, config.timeout)] : [],
  }),
});
