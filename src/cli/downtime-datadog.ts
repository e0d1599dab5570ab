import { parseDuration } from "../config-kit/common.js";
import { credentialsOrReport } from "./datadog-keys.js";
import { EXIT } from "./exit.js";
import { asker, askerZone } from "./hub-client.js";
import { loadOrReport } from "./load.js";
import type { ConfigOptions } from "./options.js";

export interface DatadogDowntimeOptions extends ConfigOptions {
  for: string;
  scope?: string;
  reason?: string;
}

/**
 * `hearth downtime add --datadog`: the one-off downtime in Datadog, for the monitors Datadog
 * evaluates, through the same client as `hearth datadog apply`. Datadog emails the handles of
 * those monitors' recipients when it is scheduled.
 */
export async function addDatadogDowntime(opts: DatadogDowntimeOptions): Promise<number> {
  const loaded = loadOrReport(opts);
  if (!loaded) return EXIT.invalid;
  const creds = credentialsOrReport(loaded, "hearth downtime add --datadog");
  if (!creds) return EXIT.invalid;
  const [{ datadogMonitors }, { handlesOf }, { oneOffDowntimeJson }, { DatadogApi, DatadogApiError }] = await Promise.all([
    import("../datadog-as-code/desired.js"),
    import("../datadog-as-code/translate-monitor.js"),
    import("../datadog-as-code/translate-one-off.js"),
    import("../datadog-as-code/remote.js"),
  ]);
  const recipients = loaded.config.notify.recipients;
  const names = [...new Set(datadogMonitors(loaded).flatMap((m) => m.recipients))];
  const { handles, missing } = handlesOf(names, (n) => (Object.hasOwn(recipients, n) ? recipients[n]!.datadog_handle : undefined));
  const scope = (opts.scope ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);
  const body = oneOffDowntimeJson({
    startMs: Date.now(),
    forMs: parseDuration(opts.for)!,
    scope,
    reason: opts.reason,
    by: asker(),
    zone: askerZone(),
    handles,
  });
  try {
    const api = await DatadogApi.connect(creds, (line) => process.stderr.write(`${line}\n`));
    const made = await api.scheduleOneOff(body);
    const schedule = body.schedule as { start: string; end: string };
    process.stdout.write(
      `Datadog downtime set: every monitor Hearth made in Datadog${scope.length ? `, groups tagged ${scope.join(", ")}` : ""}, ${schedule.start} → ${schedule.end}\n${made.url}\n` +
        `${handles.length ? `Datadog tells: ${handles.join(", ")}.` : "Datadog tells nobody (no recipient of a Datadog monitor has a datadog_handle)."}${missing.length ? ` Without a datadog_handle, not told: ${missing.join(", ")}.` : ""}\n`,
    );
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof DatadogApiError)) throw err;
    process.stderr.write(`hearth downtime add --datadog: ${err.message}\n`);
    return EXIT.invalid;
  }
}
