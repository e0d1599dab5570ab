import type { MetricMonitor } from "../alerts/monitor-schema.js";
import type { SourceRef } from "../config-kit/issues.js";
import type { Loaded } from "../config/load.js";
import type { Sourced } from "../config-kit/issues.js";
import { keyOf, type Kind } from "./identity.js";
import { dashboardJson, type Json } from "./translate-dashboard.js";
import { downtimeJson } from "./translate-downtime.js";
import { calendarTag, monitorJson } from "./translate-monitor.js";

/** One object the rules say Datadog should have. */
export interface DesiredObject {
  kind: Kind;
  key: string;
  name: string;
  source: SourceRef;
  body: Json;
  notes: string[];
}

interface Problem {
  source: SourceRef;
  message: string;
}

/** Monitors that Datadog evaluates: `evaluate: datadog` or `both`. */
export const datadogMonitors = (loaded: Loaded): Sourced<MetricMonitor>[] =>
  loaded.rules.monitors.filter((m): m is Sourced<MetricMonitor> => m.type === "metric" && m.evaluate !== "local");

/** Every dashboard, every monitor Datadog evaluates, and every calendar that mutes one of them, with every problem at once. */
export function desiredObjects(loaded: Loaded): { objects: DesiredObject[]; problems: Problem[] } {
  const handleOf = (name: string) => loaded.config.notify.recipients[name]?.datadog_handle;
  const objects: DesiredObject[] = [];
  const problems: Problem[] = [];
  const add = (kind: Kind, name: string, source: SourceRef, t: { body: Json; problems?: string[]; notes?: string[] }) => {
    const key = keyOf(kind, name);
    const earlier = objects.find((o) => o.key === key);
    if (earlier) problems.push({ source, message: `${kind} "${name}" has the same Datadog key (hearth-id:${key}) as "${earlier.name}"; rename one` });
    for (const message of t.problems ?? []) problems.push({ source, message: `${kind} "${name}": ${message}` });
    objects.push({ kind, key, name, source, body: t.body, notes: t.notes ?? [] });
  };
  for (const d of loaded.rules.dashboards) add("dashboard", d.name, d.source, { body: dashboardJson(d) });
  const monitors = datadogMonitors(loaded);
  for (const m of monitors) add("monitor", m.name, m.source, monitorJson(m, loaded.rules.calendars, handleOf));
  const calendarsInUse = loaded.rules.calendars.filter((c) =>
    objects.some((o) => o.kind === "monitor" && (o.body.tags as string[]).includes(calendarTag(c.name))),
  );
  for (const c of calendarsInUse) add("downtime", c.name, c.source, downtimeJson(c, handleOf));
  return { objects, problems };
}
