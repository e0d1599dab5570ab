import { MANAGED_TAG } from "./identity.js";
import type { Json } from "./translate-dashboard.js";

export interface OneOff {
  startMs: number;
  forMs: number;
  /** Tags a group must carry, all of them (`--scope room:kitchen,appliance:stove`). */
  scope: readonly string[];
  reason: string | undefined;
  by: string;
  zone: string;
  /** The @-handles of those Datadog tells when the downtime is scheduled. */
  handles: readonly string[];
}

/**
 * `hearth downtime add --datadog` as a v2 downtime with a one-time schedule (SPECv2
 * `DowntimeScheduleOneTimeCreateUpdateRequest`: `start` and `end` in UTC; the shape of the
 * client's recorded "Schedule a downtime"). It mutes every monitor Hearth made in Datadog (they
 * all carry `managed-by:hearth`). It carries no `hearth-id`, so `hearth datadog plan` neither
 * lists nor prunes it: it ends by itself, or in Datadog's web app.
 */
export function oneOffDowntimeJson(o: OneOff): Json {
  const iso = (ms: number) => new Date(ms).toISOString();
  const said = `Downtime set by ${o.by} with \`hearth downtime add --datadog\`${o.reason ? `: ${o.reason}` : ""}.`;
  return {
    scope: o.scope.length ? o.scope.join(" AND ") : "*",
    monitor_identifier: { monitor_tags: [MANAGED_TAG] },
    message: [said, o.handles.join(" ")].filter(Boolean).join("\n\n"),
    display_timezone: o.zone,
    mute_first_recovery_notification: false,
    notify_end_states: ["alert", "no data", "warn"],
    // Ended early by hand, or at its end: what is still not OK then notifies (as the hub's own one-off downtimes do).
    notify_end_types: ["canceled", "expired"],
    schedule: { start: iso(o.startMs), end: iso(o.startMs + o.forMs) },
  };
}
