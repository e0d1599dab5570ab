import { z } from "zod";
import { INTEGRATIONS_BY_TYPE } from "../../integrations/registry.js";
import { Duration, Name, Tags } from "../config-kit/common.js";
import type { InstanceCommon, Integration } from "../integration-host/contract.js";

/**
 * `integrations:` in config/hearth.yaml: instance name → `{type, …}`. Each member of the union is
 * an integration's own schema plus the fields every instance has, so after `type: proxmox` an
 * editor completes Proxmox's keys, and a typo in any instance is reported with its position
 * before anything connects.
 */
const instanceSchema = (name: string, integration: Integration) =>
  integration.configSchema
    .extend({
      type: z.literal(name).meta({ description: "Which integration this instance runs (its folder under integrations/)." }),
      enabled: z.boolean().default(true).meta({ description: "false keeps the instance in the file but does not run it." }),
      tags: Tags.default([]).meta({ description: 'Tags added to every metric of this instance, like a Datadog check instance\'s `tags:` ("site:lab").' }),
      start_timeout: Duration.prefault("30s").meta({
        description: "How long starting may take (connecting and the first read) before the attempt counts as failed and is retried.",
      }),
    })
    .superRefine((config, ctx) => {
      for (const p of integration.checkConfig?.(config) ?? []) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
    });

const members = Object.entries(INTEGRATIONS_BY_TYPE).map(([name, i]) => instanceSchema(name, i));

/** Each member's exact type lives with its integration (`ctx.config`); here an instance is its common fields. */
const IntegrationInstance = z.discriminatedUnion("type", members as [(typeof members)[number], ...(typeof members)[number][]]) as unknown as z.ZodType<
  InstanceCommon & Record<string, unknown>,
  Record<string, unknown>
>;

export const IntegrationsConfig = z.record(Name, IntegrationInstance).default({}).meta({
  description:
    "Integration instances by name (lower-case, used in logs, /healthz and `hearth check --probe`). Several instances of one type run side by side: two PostgreSQL servers, a Proxmox cluster per site.",
});
