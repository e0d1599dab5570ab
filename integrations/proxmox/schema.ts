import fs from "node:fs";
import { z } from "zod";
import { Duration, Secret } from "../../src/config-kit/common.js";
import type { ConfigProblem } from "../../src/integration-host/contract.js";

/** `USER@REALM!TOKENID`, as Proxmox shows a token (pve-docs pveum.adoc, "API Tokens"). */
const TOKEN_ID = /^[^\s@!]+@[^\s@!]+![A-Za-z][A-Za-z0-9._-]*$/;
/** A SHA-256 fingerprint as Proxmox's UI and `openssl x509 -fingerprint -sha256` print it: 32 hex pairs, colons optional. */
const FINGERPRINT = /^(?:[0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/;

export const ProxmoxConfig = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).meta({ description: "The Proxmox VE API, without /api2/json: https://pve.lan:8006 (any node of the cluster)." }),
    token_id: z
      .string()
      .regex(TOKEN_ID, { message: 'expected "USER@REALM!TOKENID", e.g. "hearth@pve!monitoring"' })
      .meta({ description: 'The API token\'s id: "USER@REALM!TOKENID" (Datacenter → Permissions → API Tokens).' }),
    token_secret: Secret.meta({ description: "The token's secret (a UUID), shown once when the token is made. Write ${PVE_TOKEN_SECRET}." }),
    ca_file: z.string().min(1).optional().meta({ description: "Trust the cluster's own CA: a PEM file (on a node: /etc/pve/pve-root-ca.pem)." }),
    fingerprint: z.string().regex(FINGERPRINT, { message: "expected a SHA-256 fingerprint: 32 hex pairs, e.g. 9A:3F:…" }).optional().meta({
      description: "Trust exactly this certificate: its SHA-256 fingerprint (node → System → Certificates, pve-ssl.pem). Survives no certificate renewal.",
    }),
    insecure: z
      .boolean()
      .default(false)
      .meta({ description: "Accept any certificate. Anyone on the network path could read the token: prefer ca_file or fingerprint. Logged as a warning." }),
    node_status: z.boolean().default(true).meta({ description: "Also read each online node's /status: load averages, swap, root file system, I/O wait." }),
    min_collection_interval: Duration.prefault(15).meta({ description: "How often the cluster is read (seconds, or a duration)." }),
  })
  .meta({ description: "Proxmox VE: nodes, VMs, containers and storage from /cluster/resources, under Datadog's Proxmox metric names." });

export type ProxmoxConfig = z.output<typeof ProxmoxConfig>;

export function checkProxmoxConfig(c: ProxmoxConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const trust = (["ca_file", "fingerprint", "insecure"] as const).filter((k) => (k === "insecure" ? c.insecure : c[k] !== undefined));
  if (trust.length > 1) problems.push({ path: [trust[1]!], message: `choose one way to trust the certificate: ${trust.join(" and ")} are both set` });
  if (trust.length > 0 && !c.url.startsWith("https:")) problems.push({ path: [trust[0]!], message: "only applies to an https:// url" });
  if (c.ca_file !== undefined) {
    try {
      fs.accessSync(c.ca_file, fs.constants.R_OK);
    } catch {
      problems.push({ path: ["ca_file"], message: `cannot read ${JSON.stringify(c.ca_file)}` });
    }
  }
  return problems;
}
