import { z } from "zod";
import { Duration, Name } from "../config-kit/common.js";
import { suggestion } from "../config-kit/issues.js";
import { TRANSPORTS } from "./transports/registry.js";
import { HttpUrl } from "./transports/schema-parts.js";

/**
 * `notify:` in config/hearth.yaml: the transports (SMTP, ntfy, Pushover, Gotify, webhooks) and
 * the recipients, each named once with the channels that reach them. Monitors and calendars in
 * rules/ name recipients; `hearth check` makes sure each one exists here. Each transport's
 * options and recipient field live beside it in ./transports/.
 */

type Transport = (typeof TRANSPORTS)[number];
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** Every transport's options under `notify:`, in the order of ./transports/registry.ts. */
const transportOptions = Object.assign({}, ...TRANSPORTS.map((t) => t.options)) as Intersection<Transport["options"]>;
/** The field of each transport in a recipient's entry, in the same order. */
const recipientFields = Object.assign({}, ...TRANSPORTS.map((t) => t.recipient)) as Intersection<Transport["recipient"]>;

const Recipient = z
  .strictObject({
    ...recipientFields,
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
    ...transportOptions,
    recipients: z.record(Name, Recipient).default({}).meta({ description: "Recipients by name, as monitors and calendars name them." }),
  })
  .superRefine((n, ctx) => {
    for (const [name, r] of Object.entries(n.recipients)) {
      const issue = (field: string, message: string) => ctx.addIssue({ code: "custom", path: ["recipients", name, field], message });
      for (const t of TRANSPORTS) t.check?.(n, r, issue);
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
