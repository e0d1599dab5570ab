import type { NotifyConfig } from "../schema.js";
import type { Channel } from "./channel.js";

/** One recipient's entry under `notify.recipients`. */
type RecipientConfig = NotifyConfig["recipients"][string];

/** A transport set up for one configuration (a mail server's connection pool, or nothing to hold). */
export interface OpenTransport {
  /** The channels over this transport that reach `recipient`: none when its entry does not name this kind. */
  channels(recipient: string, entry: RecipientConfig): Channel[];
  close?(): void;
}

/** How one kind of notification channel is built from `notify:`; listed once in ./registry.ts. */
export type Transport = (config: NotifyConfig) => OpenTransport;
