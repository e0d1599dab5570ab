import type { AlertSettings } from "../alerts/settings.js";
import type { Loaded } from "../config/load.js";
import type { HearthConfig } from "../config/schema.js";
import type { NotifierSettings } from "../notify/notifier.js";
import type { SinkSettings } from "../sinks/settings.js";

/*
 * Each feature is handed only its own part of the configuration; these build those parts from
 * the loaded file and rules, at start and at every reload.
 */

/** Operators: `notify.operators`, or every recipient. */
export const alertSettingsOf = ({ config, rules }: Loaded): AlertSettings => ({
  monitors: rules.monitors,
  calendars: rules.calendars,
  tanks: rules.tanks,
  evaluationInterval: config.alerts.evaluation_interval,
  host: config.host ?? "",
  hostIp: config.host_ip ?? "",
  operators: config.notify.operators ?? Object.keys(config.notify.recipients),
});

export const notifierSettingsOf = (config: HearthConfig): NotifierSettings => ({
  notify: config.notify,
  host: config.host ?? "hearth",
  retention: config.storage.retention,
});

/** The host resource is set by the loader (the OS host name unless `host` says otherwise). */
export const sinkSettingsOf = (config: HearthConfig): SinkSettings => ({
  host: config.host!,
  tags: config.tags,
  datadog: config.datadog,
  dogstatsd: config.dogstatsd,
  forward: config.forward,
});
