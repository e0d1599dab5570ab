import { parseDecimal } from "../../src/pipeline/value.js";

/**
 * `/cluster/resources` as Datadog's Proxmox check reports it (integrations-core
 * proxmox/datadog_checks/proxmox/check.py and constants.py): the same metric names and
 * `proxmox_*` tags, so its dashboards and monitors carry over. Two deliberate differences:
 * a stopped guest or an offline node reports `<type>.up 0` (Datadog skips it, which reads as
 * "no data" rather than "down"), and templates are left out (they never run).
 * Field types: pve-manager PVE/API2/Cluster.pm; numbers may arrive as strings.
 */

/** Proxmox's resource type → the `proxmox_type` tag and the metric prefix (constants.py RESOURCE_TYPE_MAP). */
const RESOURCE_TYPES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    qemu: "vm",
    lxc: "container",
    openvz: "container",
    storage: "storage",
    node: "node",
    pool: "pool",
    sdn: "sdn",
  }),
);

/** Statuses that count as up (constants.py OK_STATUS). */
const UP = new Set(["ok", "available", "running", "online"]);

/** Readings of a resource that is up, by field (constants.py RESOURCE_METRIC_NAME, plus uptime). */
export const RESOURCE_GAUGES: readonly { field: string; metric: string; unit?: string; types?: readonly string[] }[] = [
  { field: "cpu", metric: "proxmox.cpu" },
  // An unlimited container reports the host's whole thread count: vCPUs only for VMs and nodes (check.py _submit_vcpu_metric).
  { field: "maxcpu", metric: "proxmox.cpu.max", types: ["vm", "node"] },
  { field: "mem", metric: "proxmox.mem", unit: "B" },
  { field: "maxmem", metric: "proxmox.mem.max", unit: "B" },
  { field: "disk", metric: "proxmox.disk", unit: "B" },
  { field: "maxdisk", metric: "proxmox.disk.max", unit: "B" },
  { field: "uptime", metric: "proxmox.uptime", unit: "s" },
];

/** Byte counters since a guest started: sent as counts of the change between polls, as Datadog sends `derive` values. */
export const RESOURCE_COUNTERS: readonly { field: string; metric: string }[] = [
  { field: "netin", metric: "proxmox.net.in" },
  { field: "netout", metric: "proxmox.net.out" },
  { field: "diskread", metric: "proxmox.disk.read" },
  { field: "diskwrite", metric: "proxmox.disk.write" },
];

/** `/nodes/{node}/status` readings (Datadog takes these from /cluster/metrics/export under the same names). */
export const NODE_STATUS_GAUGES: readonly { path: readonly (string | number)[]; metric: string; unit?: string }[] = [
  { path: ["loadavg", 0], metric: "proxmox.cpu.avg1" },
  { path: ["loadavg", 1], metric: "proxmox.cpu.avg5" },
  { path: ["loadavg", 2], metric: "proxmox.cpu.avg15" },
  { path: ["wait"], metric: "proxmox.cpu.iowait" },
  { path: ["memory", "total"], metric: "proxmox.mem.total", unit: "B" },
  { path: ["memory", "used"], metric: "proxmox.mem.used", unit: "B" },
  { path: ["swap", "total"], metric: "proxmox.swap.total", unit: "B" },
  { path: ["swap", "used"], metric: "proxmox.swap.used", unit: "B" },
  { path: ["rootfs", "total"], metric: "proxmox.disk.total", unit: "B" },
  { path: ["rootfs", "used"], metric: "proxmox.disk.used", unit: "B" },
];

export interface Resource {
  id: string;
  /** `vm`, `container`, `node`, `storage`, `pool`, `sdn`, or Proxmox's own word for anything newer. */
  type: string;
  name: string;
  node: string | undefined;
  up: boolean;
  template: boolean;
  status: string | undefined;
  raw: Record<string, unknown>;
}

/** A number, or a string that holds one ("106", "0.00"); anything else is not a reading. */
export function num(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  const n = typeof v === "string" ? parseDecimal(v) : undefined;
  return n !== undefined && Number.isFinite(n) ? n : undefined;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined);

export function toResource(raw: unknown): Resource | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const kind = str(r.type);
  const id = str(r.id);
  if (!kind || !id) return undefined;
  const type = RESOURCE_TYPES.get(kind) ?? kind;
  // Storage, pools and SDN zones have no name: their id field is named after the type (check.py).
  const name = str(r.name) ?? (Object.hasOwn(r, kind) ? str(r[kind]) : undefined) ?? id;
  const status = str(r.status);
  return {
    id,
    type,
    name,
    node: str(r.node),
    up: status !== undefined && UP.has(status),
    template: num(r.template) === 1 || r.template === true,
    status,
    raw: r,
  };
}

/** The resource's identity as Datadog's check tags it; its own Proxmox tags are `;`-separated. */
export function resourceTags(r: Resource): string[] {
  const tags = [`proxmox_type:${r.type}`, `proxmox_name:${r.name}`, `proxmox_id:${r.id}`];
  if (r.type === "node") tags.push("proxmox_type:host");
  else if (r.node) tags.push(`proxmox_node:${r.node}`);
  const pool = str(r.raw.pool);
  if (pool && r.type !== "pool") tags.push(`proxmox_pool:${pool}`);
  for (const t of (str(r.raw.tags) ?? "").split(";")) if (t.trim()) tags.push(`proxmox_tag:${t.trim()}`);
  return tags;
}

/** Reads `path` out of a nested answer. */
export const at = (value: unknown, path: readonly (string | number)[]): unknown =>
  path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string | number, unknown>)[k] : undefined), value);
