import fs from "node:fs";
import { createRequire } from "node:module";
import type { Transporter } from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import { z } from "zod";
import { HostAddress, Port, Secret } from "../../config-kit/common.js";
import { describeError } from "../../kit/errors.js";
import { bodyAt, type Message, type Priority } from "../message.js";
import type { Channel, Outcome } from "./channel.js";
import { oneOrMore } from "./schema-parts.js";
import { defineTransport } from "./transport.js";

const Smtp = z
  .strictObject({
    host: HostAddress.meta({ description: "The mail server (your provider's SMTP relay, or a relay on the LAN)." }),
    port: Port.optional().meta({ description: "Default: 587 for starttls, 465 for tls, 25 for none." }),
    security: z.enum(["starttls", "tls", "none"]).default("starttls").meta({
      description:
        "starttls: connect in plain text and require STARTTLS (port 587); tls: TLS from the first byte (port 465); none: no encryption (a relay on this machine or the LAN only).",
    }),
    username: z.string().min(1).optional().meta({ description: "Login on the mail server, when it asks for one." }),
    password: Secret.optional().meta({ description: "The login's password: write ${ENV_VAR} or ${file:/path}." }),
    from: z
      .string()
      .min(3)
      .meta({ description: 'The sender, "Hearth <hearth@example.com>" or an address; most providers require an address of your account.' }),
    ca_file: z.string().min(1).optional().meta({ description: "PEM file of the CA that signed the server's certificate, for a relay with its own CA." }),
  })
  .refine((s) => (s.username === undefined) === (s.password === undefined), { message: "username and password go together" })
  .meta({ description: "Email over SMTP (nodemailer)." });

type SmtpConfig = z.output<typeof Smtp>;

const EMAIL = /^[^\s@<>,]+@[^\s@<>,]+$/;
const EmailAddress = z.string().regex(EMAIL, { message: "expected an email address such as alex@example.com" });

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
export const email = defineTransport({
  options: { smtp: Smtp.optional() },
  recipient: { email: oneOrMore(EmailAddress).optional().meta({ description: "One address or several; one email goes to all of them." }) },
  check: (options, entry, issue) => {
    if (entry.email && !options.smtp) issue("email", "email needs notify.smtp (the mail server)");
  },
  open: (config) => {
    const server = config.smtp ? new EmailTransport(config.smtp, config.timeout) : undefined;
    return {
      channels: (_recipient, entry) => (entry.email && server ? [server.channel(entry.email)] : []),
      close: () => server?.close(),
    };
  },
});
