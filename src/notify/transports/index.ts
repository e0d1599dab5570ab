import type { NotifyConfig } from "../schema.js";
import type { Channel } from "./channel.js";
import { TRANSPORTS } from "./registry.js";
import type { OpenTransport } from "./transport.js";

/**
 * The transports of one configuration and every recipient's channels over them. Built again on a
 * reload; a recipient's channels are looked up when a notification goes out, so a corrected
 * address or token applies to what still waits in the outbox.
 */
export class Transports {
  private readonly open: OpenTransport[];
  private readonly channels = new Map<string, Channel[]>();

  constructor(config: NotifyConfig) {
    this.open = TRANSPORTS.map((transport) => transport.open(config));
    for (const [name, entry] of Object.entries(config.recipients)) {
      this.channels.set(
        name,
        this.open.flatMap((t) => t.channels(name, entry)),
      );
    }
  }

  /** A recipient's channels, in the order of ./registry.ts (email, ntfy, Pushover, Gotify, webhooks); undefined for an unknown recipient. */
  of(recipient: string): readonly Channel[] | undefined {
    return this.channels.get(recipient);
  }

  channel(recipient: string, key: string): Channel | undefined {
    return this.channels.get(recipient)?.find((c) => c.key === key);
  }

  close(): void {
    for (const t of this.open) t.close?.();
  }
}
