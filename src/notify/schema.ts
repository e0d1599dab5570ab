import { z } from "zod";
import { Duration, HostAddress, Name, Port, Secret } from "../config-kit/common.js";
import { suggestion } from "../config-kit/issues.js";

/**
 * `notify:` in config/hearth.yaml: the transports (SMTP, ntfy, Pushover, Gotify, webhooks) and
 * the recipients, each named once with the channels that reach them. Monitors and calendars in
 * rules/ name recipients; `hearth check` makes sure each one exists here.
 */

const HttpUrl = z.string().refine(
  (s) => {
    try {
      return ["http:", "https:"].includes(new URL(s).protocol);
    } catch {
      return false;
    }
  },
  { message: "expected an http:// or https:// URL" },
);

const EMAIL = /^[^\s@<>,]+@[^\s@<>,]+$/;
const EmailAddress = z.string().regex(EMAIL, { message: "expected an email address such as alex@example.com" });

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

const Ntfy = z
  .strictObject({
    url: HttpUrl.default("https://ntfy.sh").meta({ description: "The ntfy server: https://ntfy.sh or your own." }),
    token: Secret.optional().meta({ description: "An access token (tk_…) for protected topics, sent as Authorization: Bearer." }),
    username: z.string().min(1).optional().meta({ description: "Or a user name (with password), sent as Basic authentication." }),
    password: Secret.optional().meta({ description: "The user's password." }),
  })
  .refine((n) => (n.username === undefined) === (n.password === undefined), { message: "username and password go together" })
  .refine((n) => n.token === undefined || n.username === undefined, { message: "give a token or a username and password, not both" })
  .meta({ description: "Push through ntfy (https://docs.ntfy.sh/publish/)." });

const Pushover = z
  .strictObject({
    token: Secret.meta({ description: "Your Pushover application's API token." }),
    url: HttpUrl.default("https://api.pushover.net").meta({ description: "The API's base URL; leave the default." }),
  })
  .meta({ description: "Push through Pushover (https://pushover.net/api)." });

const Gotify = z
  .strictObject({
    url: HttpUrl.meta({ description: "Your Gotify server, e.g. https://gotify.lan." }),
    token: Secret.optional().meta({
      description: "An application token; a recipient may give its own instead (the messages go to the user who owns the application).",
    }),
  })
  .meta({ description: "Push through a Gotify server (https://gotify.net/docs/pushmsg)." });

const Webhook = z
  .strictObject({
    url: HttpUrl.meta({ description: "Where the JSON is POSTed." }),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9-]+$/, { message: "expected a header name" }), z.string())
      .default({})
      .meta({ description: "Extra headers, e.g. Authorization: Bearer ${HOOK_TOKEN}." }),
    secret: Secret.optional().meta({
      description: "When set, every request carries X-Hearth-Signature-256: sha256=<HMAC-SHA256 of the body with this secret, hex>.",
    }),
  })
  .meta({ description: "A generic webhook: a JSON body per notification." });

const oneOrMore = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

const NtfyChannel = z
  .union([z.string(), z.strictObject({ topic: z.string() })])
  .transform((v) => (typeof v === "string" ? v : v.topic))
  .pipe(z.string().regex(/^[-_A-Za-z0-9]{1,64}$/, { message: "an ntfy topic holds letters, digits, '-' and '_' (at most 64): pick one that is hard to guess" }))
  .meta({ description: "The ntfy topic the recipient subscribes to (it works like a password: make it hard to guess)." });

const PushoverChannel = z
  .union([Secret, z.strictObject({ user: Secret, device: z.string().min(1).optional() })])
  .transform((v) => (typeof v === "string" ? { user: v, device: undefined } : { user: v.user, device: v.device }))
  .meta({ description: "The recipient's Pushover user key (${PUSHOVER_USER_ALEX}), or {user, device} for one device." });

const GotifyChannel = z
  .union([z.literal(true), z.strictObject({ token: Secret })])
  .transform((v) => (v === true ? { token: undefined } : { token: v.token }))
  .meta({ description: "true: the gotify transport's token; or {token} for an application of the recipient's own." });

const Recipient = z
  .strictObject({
    email: oneOrMore(EmailAddress).optional().meta({ description: "One address or several; one email goes to all of them." }),
    ntfy: NtfyChannel.optional(),
    pushover: PushoverChannel.optional(),
    gotify: GotifyChannel.optional(),
    webhook: oneOrMore(Name).optional().meta({ description: "Webhooks (by name, from notify.webhooks) that receive this recipient's notifications." }),
    datadog_handle: z
      .string()
      // An @-handle with parentheses is not parsed by Datadog (https://docs.datadoghq.com/monitors/notify/).
      .regex(/^@?[^\s()@][^\s()]*$/, {
        message: 'expected a Datadog @-handle without spaces or parentheses: "alex@example.com", "slack-home-alerts", "team-house"',
      })
      .transform((h) => (h.startsWith("@") ? h : `@${h}`))
      .optional()
      .meta({ description: "How monitors and downtimes that Datadog evaluates reach this recipient: an @-handle (@alex@example.com, @slack-home-alerts)." }),
  })
  .meta({ description: "Who is told, and every channel that reaches them: each notification goes out on each channel." });

type Recipient = z.output<typeof Recipient>;

export const NotifyConfig = z
  .strictObject({
    status_url: HttpUrl.optional().meta({
      description: "The status page as you open it (http://pve1.lan:8686/): the click target of push notifications and the link in emails.",
    }),
    operators: z.array(Name).optional().meta({ description: "Who hears about Hearth itself (the built-in hearth.* monitors). Default: every recipient." }),
    timeout: Duration.prefault("30s").meta({ description: "A server that has not answered by then counts as failed, and the notification is retried." }),
    retry: z
      .strictObject({
        min: Duration.prefault("5s").meta({ description: "The first retry's delay, doubled after each failure." }),
        max: Duration.prefault("5m").meta({ description: "The longest delay between retries." }),
      })
      .prefault({})
      .meta({ description: "Retries of a notification that could not be delivered." }),
    max_age: Duration.prefault("1d").meta({
      description: "A notification still undelivered after this long is given up (kept in the outbox as expired), so the next one of that channel can go.",
    }),
    smtp: Smtp.optional(),
    ntfy: Ntfy.prefault({}),
    pushover: Pushover.optional(),
    gotify: Gotify.optional(),
    webhooks: z.record(Name, Webhook).default({}).meta({ description: "Webhooks by name; recipients list the ones they receive." }),
    recipients: z.record(Name, Recipient).default({}).meta({ description: "Recipients by name, as monitors and calendars name them." }),
  })
  .superRefine((n, ctx) => {
    for (const [name, r] of Object.entries(n.recipients)) {
      const at = (field: string) => ["recipients", name, field];
      if (r.email && !n.smtp) ctx.addIssue({ code: "custom", path: at("email"), message: "email needs notify.smtp (the mail server)" });
      if (r.pushover && !n.pushover)
        ctx.addIssue({ code: "custom", path: at("pushover"), message: "pushover needs notify.pushover (your application's token)" });
      if (r.gotify && !n.gotify) ctx.addIssue({ code: "custom", path: at("gotify"), message: "gotify needs notify.gotify (the server's url)" });
      else if (r.gotify && !r.gotify.token && !n.gotify?.token)
        ctx.addIssue({ code: "custom", path: at("gotify"), message: "needs a token: here ({token: …}) or in notify.gotify.token" });
      for (const hook of r.webhook ?? []) {
        if (!n.webhooks[hook])
          ctx.addIssue({
            code: "custom",
            path: at("webhook"),
            message: `no webhook named "${hook}" in notify.webhooks${suggestion(hook, Object.keys(n.webhooks))}`,
          });
      }
    }
    for (const [i, name] of (n.operators ?? []).entries()) {
      if (!n.recipients[name])
        ctx.addIssue({
          code: "custom",
          path: ["operators", i],
          message: `no recipient named "${name}" in notify.recipients${suggestion(name, Object.keys(n.recipients))}`,
        });
    }
    if (n.retry.min > n.retry.max) ctx.addIssue({ code: "custom", path: ["retry", "min"], message: "must not be longer than retry.max" });
  })
  .meta({ description: "Notifications: transports, recipients and delivery. See README.md, Notifications." });

export type NotifyConfig = z.output<typeof NotifyConfig>;
