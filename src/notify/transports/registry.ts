import { email } from "./email.js";
import { gotify } from "./gotify.js";
import { ntfy } from "./ntfy.js";
import { pushover } from "./pushover.js";
import { webhook } from "./webhook.js";

/**
 * Every notification transport: adding one is its file and its name here. The order is the order
 * of a recipient's channels (email, ntfy, Pushover, Gotify, webhooks), and of the options under `notify:`.
 */
export const TRANSPORTS = [email, ntfy, pushover, gotify, webhook] as const;
