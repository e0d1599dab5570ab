import type { Integration } from "../src/integration-host/contract.js";
import my_metric from "./my_metric/index.js";
import openhab from "./openhab/index.js";
import postgres from "./postgres/index.js";
import proxmox from "./proxmox/index.js";

/**
 * Every integration, one line each. The key is the folder name, the manifest name and the
 * `type:` written under `integrations:` in config/hearth.yaml (a contract test checks all three).
 */
export const INTEGRATIONS = {
  my_metric,
  openhab,
  postgres,
  proxmox,
} as const satisfies Record<string, Integration>;

/** The same, as the hub hands it to the integration host and the configuration reads it: by any `type:` string. */
export const INTEGRATIONS_BY_TYPE: Readonly<Record<string, Integration>> = INTEGRATIONS;
