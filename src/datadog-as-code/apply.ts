import { formatSource } from "../config-kit/issues.js";
import type { DesiredObject } from "./desired.js";
import type { Plan } from "./plan.js";
import { DatadogApiError, type DatadogApi } from "./remote.js";

interface ApplyResult {
  /** Each object the rules describe, with its Datadog address. */
  urls: { key: string; url: string }[];
  errors: string[];
}

const rejected = (want: DesiredObject, err: unknown): string =>
  `${formatSource(want.source)}: ${want.kind} "${want.name}": ${err instanceof DatadogApiError ? err.message : String(err)}`;

/**
 * Does the plan and nothing else. Every monitor to create or change is validated first
 * (`POST /api/v1/monitor/validate`), so a monitor Datadog would refuse stops the run before
 * anything changed; a 400 is shown against the rule that made it.
 */
export async function applyPlan(api: DatadogApi, plan: Plan, say: (line: string) => void): Promise<ApplyResult> {
  const errors: string[] = [];
  for (const a of plan.actions) {
    if (a.type === "delete" || a.want.kind !== "monitor") continue;
    try {
      await api.validateMonitor(a.want.body);
    } catch (err) {
      if (!(err instanceof DatadogApiError)) throw err;
      errors.push(rejected(a.want, err));
    }
  }
  if (errors.length) return { urls: [], errors };
  const urls = plan.unchanged.map(({ want, have }) => ({ key: want.key, url: have.url }));
  for (const a of plan.actions) {
    try {
      if (a.type === "create") {
        const made = await api.create(a.want.kind, a.want.body);
        say(`created ${a.want.key}: ${made.url}`);
        urls.push({ key: a.want.key, url: made.url });
      } else if (a.type === "update") {
        const made = await api.update(a.want.kind, a.have.id, a.want.body);
        say(`changed ${a.want.key}: ${made.url}`);
        urls.push({ key: a.want.key, url: made.url });
      } else {
        await api.remove(a.have.kind, a.have.id);
        say(`deleted ${a.have.key} (${a.have.id})`);
      }
    } catch (err) {
      if (!(err instanceof DatadogApiError)) throw err;
      // Stop at the first refusal: what was done is printed above, and the next plan shows the rest.
      errors.push(a.type === "delete" ? `${a.have.key}: ${err.message}` : rejected(a.want, err));
      break;
    }
  }
  return { urls, errors };
}
