import fs from "node:fs";
import { createRequire } from "node:module";
import type { Transporter } from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import { describeError } from "../../kit/errors.js";
import { bodyAt, type Message, type Priority } from "../message.js";
import type { NotifyConfig } from "../schema.js";
import type { Channel, Outcome } from "./channel.js";
import type { Transport } from "./transport.js";

type SmtpConfig = NonNullable<NotifyConfig["smtp"]>;

const require = createRequire(import.meta.url);

const DEFAULT_PORT = { starttls: 587, tls: 465, none: 25 } as const;
/** nodemailer sets X-Priority and Importance from this. */
const PRIORITY: Record<Priority, "low" | "normal" | "high"> = { low: "low", default: "normal", high: "high" };

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
}

/**
 * What an SMTP failure means for the notification: credentials refused (535) wait for a fixed
 * configuration; a permanent refusal of the envelope or the message (5xx to RCPT or DATA, such as
 * an unknown mailbox, RFC 5321 §4.2.1) will not change by resending; anything else (no
 * connection, a timeout, a 4xx "try again later") is retried.
 */
function classify(err: unknown): Outcome {
  const e = err as SmtpError;
  const answer = e.response ?? `${e.code ? `${e.code}: ` : ""}${describeError(err)}`;
  if (e.code === "EAUTH") return { kind: "retry", code: "HEARTH_E_NOTIFY_AUTH", answer };
  if ((e.code === "EENVELOPE" || e.code === "EMESSAGE") && (e.responseCode ?? 0) >= 500) return { kind: "rejected", answer };
  return { kind: "retry", code: "HEARTH_E_NOTIFY_FAILED", answer };
}

/** One mail server (nodemailer's SMTP transport), shared by every recipient's email channel. */
class EmailTransport {
  private readonly transporter: Transporter<SMTPTransport.SentMessageInfo>;
  readonly from: string;

  constructor(config: SmtpConfig, timeoutMs: number) {
    this.from = config.from;
    // Required when a mail server is configured, so a house without email does not hold nodemailer.
    const nodemailer = require("nodemailer") as typeof import("nodemailer");
    this.transporter = nodemailer.createTransport({
      host: config.host,
      port: config.port ?? DEFAULT_PORT[config.security],
      // tls: TLS from the first byte (465). starttls: plain first, then STARTTLS is required, never skipped (587).
      secure: config.security === "tls",
      requireTLS: config.security === "starttls",
      ignoreTLS: config.security === "none",
      ...(config.username ? { auth: { user: config.username, pass: config.password! } } : {}),
      ...(config.ca_file ? { tls: { ca: fs.readFileSync(config.ca_file) } } : {}),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
  }

  channel(addresses: readonly string[]): Channel {
    return new EmailChannel(this, addresses);
  }

  async deliver(addresses: readonly string[], msg: Message, now: number): Promise<Outcome> {
    const lines = [bodyAt(msg, now), "", ...(msg.url ? [`Status: ${msg.url}`] : []), `— Hearth on ${msg.host}`];
    try {
      const info = await this.transporter.sendMail({
        from: this.from,
        to: [...addresses],
        subject: msg.title,
        text: lines.join("\n"),
        date: new Date(msg.createdAt),
        // Fixed when the notification was written: a copy resent after a crash is the same message to the mail system.
        messageId: `<hearth.${msg.id || `test.${msg.createdAt}`}@${msg.host}>`,
        priority: PRIORITY[msg.priority],
      });
      const refused = info.rejected.length ? ` (refused: ${info.rejected.map(String).join(", ")})` : "";
      return { kind: "delivered", answer: `${info.response}${refused}` };
    } catch (err) {
      return classify(err);
    }
  }

  close(): void {
    this.transporter.close();
  }
}

class EmailChannel implements Channel {
  readonly key = "email";
  readonly describe: string;

  constructor(
    private readonly transport: EmailTransport,
    private readonly addresses: readonly string[],
  ) {
    this.describe = `email to ${addresses.join(", ")}`;
  }

  /** nodemailer cannot abort a send; its own timeouts (notify.timeout) bound it. */
  send(msg: Message, now: number): Promise<Outcome> {
    return this.transport.deliver(this.addresses, msg, now);
  }
}

/** A recipient's `email:` addresses, over the one mail server of `notify.smtp` (set up even before a recipient needs it). */
export const emailTransport: Transport = (config) => {
  const server = config.smtp ? new EmailTransport(config.smtp, config.timeout) : undefined;
  return {
    channels: (_recipient, entry) => (entry.email && server ? [server.channel(entry.email)] : []),
    close: () => server?.close(),
  };
};
