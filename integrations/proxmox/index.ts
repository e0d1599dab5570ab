import { systemClock } from "../../src/kit/clock.js";
import { HearthError } from "../../src/kit/errors.js";
import { defineIntegration, type IntegrationContext } from "../../src/integration-host/contract.js";
import { CounterTracker } from "../../src/integration-host/counters.js";
import { ProxmoxClient } from "./client.js";
import { at, NODE_STATUS_GAUGES, num, RESOURCE_COUNTERS, RESOURCE_GAUGES, resourceTags, toResource, type Resource } from "./resources.js";
import { checkProxmoxConfig, ProxmoxConfig } from "./schema.js";

type Ctx = IntegrationContext<ProxmoxConfig>;

/** One poll of the cluster: every resource that exists now, and nothing that has gone. */
async function collect(ctx: Ctx, api: ProxmoxClient, counters: CounterTracker, serverTag: string): Promise<void> {
  const answer = await api.get<unknown>("/cluster/resources");
  if (!Array.isArray(answer)) throw new HearthError("HEARTH_E_INTEGRATION_FAILED", `Proxmox VE at ${api.server}/cluster/resources did not answer with a list`);
  const now = ctx.clock.now();
  ctx.emit.gauge("proxmox.api.up", 1, [serverTag, "proxmox_status:up"]);
  const onlineNodes: { resource: Resource; tags: string[] }[] = [];
  for (const resource of answer.map(toResource)) {
    if (!resource || resource.template) continue;
    const tags = [serverTag, ...resourceTags(resource)];
    ctx.emit.gauge(`proxmox.${resource.type}.count`, 1, tags);
    if (resource.type === "pool") continue; // pools have no status (check.py)
    ctx.emit.gauge(`proxmox.${resource.type}.up`, resource.up ? 1 : 0, tags, resource.status ? { attrs: { status: resource.status } } : {});
    // A stopped guest is down, not idle: no load, memory or traffic that would read as zero.
    if (!resource.up) continue;
    for (const g of RESOURCE_GAUGES) {
      if (g.types && !g.types.includes(resource.type)) continue;
      const v = num(resource.raw[g.field]);
      if (v !== undefined) ctx.emit.gauge(g.metric, v, tags, g.unit ? { unit: g.unit } : {});
    }
    for (const c of RESOURCE_COUNTERS) {
      const v = num(resource.raw[c.field]);
      const change = v === undefined ? undefined : counters.change(`${resource.id}/${c.field}`, v, now);
      if (change) ctx.emit.count(c.metric, change.delta, tags, { unit: "B" });
    }
    if (resource.type === "node" && resource.node) onlineNodes.push({ resource, tags });
  }
  counters.endRound();
  if (ctx.config.node_status) await Promise.all(onlineNodes.map((n) => nodeStatus(ctx, api, n.resource.node!, n.tags)));
}

/** Load, swap and root file system of one node; one node failing to answer is reported, not fatal. */
async function nodeStatus(ctx: Ctx, api: ProxmoxClient, node: string, tags: string[]): Promise<void> {
  let status: unknown;
  try {
    status = await api.get<unknown>(`/nodes/${encodeURIComponent(node)}/status`);
  } catch (err) {
    if (ctx.signal.aborted) return;
    ctx.emit.error(err);
    return;
  }
  for (const g of NODE_STATUS_GAUGES) {
    const v = num(at(status, g.path));
    if (v !== undefined) ctx.emit.gauge(g.metric, v, tags, g.unit ? { unit: g.unit } : {});
  }
}

/**
 * Proxmox VE over its API with a token. Start reads /version (so a wrong address, token or
 * certificate fails here, with `proxmox.api.up 0`), then /cluster/resources every interval.
 */
export default defineIntegration({
  manifest: { name: "proxmox", title: "Proxmox VE" },
  configSchema: ProxmoxConfig,
  checkConfig: checkProxmoxConfig,
  async start(ctx) {
    const api = new ProxmoxClient(ctx.config, ctx.clock, ctx.signal);
    const serverTag = `proxmox_server:${api.server}`;
    if (ctx.config.insecure) {
      ctx.log.warn(
        `The TLS certificate of ${api.server} is not checked (insecure: true): anyone on the network path could read the API token. Set ca_file or fingerprint instead.`,
      );
    }
    try {
      await api.get<unknown>("/version");
    } catch (err) {
      ctx.emit.gauge("proxmox.api.up", 0, [serverTag, "proxmox_status:down"]);
      throw err;
    }
    const counters = new CounterTracker();
    ctx.every(ctx.config.min_collection_interval, () => collect(ctx, api, counters, serverTag));
  },
  async probe(config, signal) {
    const api = new ProxmoxClient(config, systemClock, signal);
    const version = (await api.get<{ version?: string; release?: string }>("/version")) ?? {};
    const resources = await api.get<unknown[]>("/cluster/resources");
    const count = (type: string, word: string) => {
      const n = Array.isArray(resources) ? resources.map(toResource).filter((r) => r?.type === type && !r.template).length : 0;
      return `${n} ${word}${n === 1 ? "" : "s"}`;
    };
    return `Proxmox VE ${version.version ?? "?"} at ${api.server}: ${count("node", "node")}, ${count("vm", "VM")}, ${count("container", "container")}`;
  },
});
