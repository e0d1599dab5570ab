import { emailTransport } from "./email.js";
import { gotifyTransport } from "./gotify.js";
import { ntfyTransport } from "./ntfy.js";
import { pushoverTransport } from "./pushover.js";
import type { Transport } from "./transport.js";
import { webhookTransport } from "./webhook.js";

/**
 * Every notification transport, one line each, by the recipient field that names it. The order is
 * the order of a recipient's channels (email, ntfy, Pushover, Gotify, webhooks).
 */
export const TRANSPORTS: ReadonlyMap<string, Transport> = new Map([
  ["email", emailTransport],
  ["ntfy", ntfyTransport],
  ["pushover", pushoverTransport],
  ["gotify", gotifyTransport],
  ["webhook", webhookTransport],
]);
