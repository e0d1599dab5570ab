import type { NotifyConfig } from "../schema.js";
import type { Channel } from "./channel.js";
import { EmailTransport } from "./email.js";
import { GotifyChannel } from "./gotify.js";
import { NtfyChannel } from "./ntfy.js";
import { PushoverChannel } from "./pushover.js";
import { WebhookChannel } from "./webhook.js";

/**
 * The transports of one configuration and every recipient's channels over them. Built again on a
 * reload; a recipient's channels are looked up when a notification goes out, so a corrected
 * address or token applies to what still waits in the outbox.
 */
export class Transports {
  private readonly email: EmailTransport | undefined;
  private readonly channels = new Map<string, Channel[]>();

  constructor(config: NotifyConfig) {
    this.email = config.smtp ? new EmailTransport(config.smtp, config.timeout) : undefined;
    for (const [name, r] of Object.entries(config.recipients)) {
      const list: Channel[] = [];
      if (r.email && this.email) list.push(this.email.channel(r.email));
      if (r.ntfy) list.push(new NtfyChannel(config.ntfy, r.ntfy, config.timeout));
      if (r.pushover && config.pushover) list.push(new PushoverChannel(config.pushover, r.pushover, config.timeout));
      if (r.gotify && config.gotify) list.push(new GotifyChannel(config.gotify, (r.gotify.token ?? config.gotify.token)!, config.timeout));
      for (const hook of r.webhook ?? []) list.push(new WebhookChannel(hook, config.webhooks[hook]!, name, config.timeout));
      this.channels.set(name, list);
    }
  }

  /** A recipient's channels, in a fixed order (email, ntfy, Pushover, Gotify, webhooks); undefined for an unknown recipient. */
  of(recipient: string): readonly Channel[] | undefined {
    return this.channels.get(recipient);
  }

  channel(recipient: string, key: string): Channel | undefined {
    return this.channels.get(recipient)?.find((c) => c.key === key);
  }

  close(): void {
    this.email?.close();
  }
}
