import type { Loaded } from "../config/load.js";
import type { Credentials } from "../datadog-as-code/remote.js";

/** The keys, site and URL the Datadog API commands need (as the sink reads them), or undefined after saying which key is missing. */
export function credentialsOrReport(loaded: Loaded, command: string): Credentials | undefined {
  const dd = loaded.config.datadog;
  const missing = [
    !dd.api_key && "DD_API_KEY (or datadog.api_key)",
    !dd.app_key && "DD_APP_KEY (or datadog.app_key), an application key with the dashboards_write, monitors_write and monitors_downtime scopes",
  ].filter(Boolean);
  if (missing.length) {
    process.stderr.write(`${command}: set ${missing.join(" and ")}\n`);
    return undefined;
  }
  return { apiKey: dd.api_key!, appKey: dd.app_key!, site: dd.site ?? "datadoghq.com", url: dd.url };
}
