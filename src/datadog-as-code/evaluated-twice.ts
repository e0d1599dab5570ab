import type { SourceRef } from "../config-kit/issues.js";
import type { Loaded } from "../config/load.js";
import { datadogMonitors } from "./desired.js";

export interface TwiceWarning {
  source: SourceRef;
  message: string;
}

/**
 * One rule, one place that alerts: a monitor with `evaluate: both` is evaluated by the hub and by
 * Datadog, and the same `recipients` are told by both, the hub through their channels and Datadog
 * through their `datadog_handle`. Each recipient with a handle then gets every event twice.
 */
export function evaluatedTwice(loaded: Loaded): TwiceWarning[] {
  const recipients = loaded.config.notify.recipients;
  // Told twice: reached by one of the hub's channels and by Datadog's @-handle.
  const handled = (name: string) => {
    const r = Object.hasOwn(recipients, name) ? recipients[name]! : undefined;
    return r?.datadog_handle !== undefined && [r.email, r.ntfy, r.pushover, r.gotify, r.webhook].some((c) => c !== undefined);
  };
  return datadogMonitors(loaded)
    .filter((m) => m.evaluate === "both")
    .flatMap((m) => {
      const twice = m.recipients.filter(handled);
      if (!twice.length) return [];
      return [
        {
          source: m.source,
          message: `warning: monitor "${m.name}" is evaluated both by the hub and by Datadog (evaluate: both), and both notify ${twice.join(", ")}: each event reaches them twice. Once Datadog's monitor is trusted, set evaluate: datadog (docs/datadog-as-code.md, "Moving a monitor from the hub to Datadog")`,
        },
      ];
    });
}
