import type { Counter } from "prom-client";
import type { Sourced } from "../config-kit/issues.js";
import type { PresenceView } from "../house/presence.js";
import type { Tank } from "../house/schema.js";
import type { Telemetry } from "../kit/telemetry.js";
import { defaultAnomalyMessage } from "./anomaly-messages.js";
import { AnomalyMonitorRuntime } from "./anomaly-monitor.js";
import { activeFor, type GroupState, type MonitorEntry } from "./engine-entries.js";
import { isoTime, type AlertSink } from "./events.js";
import { HEARTH_CHECKS, checkOf, type SelfFacts } from "./hearth-checks.js";
import { HearthMonitorRuntime } from "./hearth-monitor.js";
import {
  defaultMetricMessage,
  defaultNobodyHomeMessage,
  defaultSubject,
  displayValue,
  formatTime,
  groupVariables,
  stateFlags,
  statusWord,
  type NotificationKind,
} from "./messages.js";
import { MetricMonitorRuntime } from "./metric-monitor.js";
import type { Monitor } from "./monitor-schema.js";
import { decideMute, type ActiveWindow } from "./muting.js";
import { NobodyHomeRuntime } from "./nobody-home.js";
import type { MonitorRuntime } from "./runtime.js";
import type { AlertState } from "./state.js";
import { defaultTankRangeMessage, TankRangeRuntime } from "./tank-range-monitor.js";
import { compileTemplate, type TemplateContext } from "./templates.js";

const DEFAULT_RENOTIFY: ReadonlySet<AlertState> = new Set(["ALERT", "NO_DATA"]);

const DEFAULT_MESSAGE: Readonly<Record<Exclude<Monitor["type"], "hearth">, string>> = {
  metric: defaultMetricMessage,
  nobody_home: defaultNobodyHomeMessage,
  tank_range: defaultTankRangeMessage,
  anomaly: defaultAnomalyMessage,
};

/** Values in events keep four decimals: enough for any reading, without float noise. */
const roundValue = (v: number): number => Math.round(v * 10_000) / 10_000;

/** What a monitor's messages say of the hub, and what its type's runtime needs from the house. */
export interface MonitorSurroundings {
  host: string;
  hostIp: string;
  tanks: ReadonlyMap<string, Tank>;
  /** Hearth's own state, for the built-in hearth.* monitors; without it (a replay) they do not run. */
  selfFacts: SelfFacts | undefined;
}

function runtimeFor(def: Monitor, around: MonitorSurroundings): MonitorRuntime {
  switch (def.type) {
    case "nobody_home":
      return new NobodyHomeRuntime(def);
    case "tank_range":
      return new TankRangeRuntime(def, around.tanks);
    case "hearth":
      return new HearthMonitorRuntime(def, around.selfFacts!);
    case "metric":
      return new MetricMonitorRuntime(def, around.host);
    case "anomaly":
      return new AnomalyMonitorRuntime(def, around.host);
  }
}

/** A monitor of the rules (or a built-in one) ready to run: no groups yet, no calendars linked. */
export function buildMonitor(def: Sourced<Monitor>, around: MonitorSurroundings): MonitorEntry {
  const { source: _source, ...monitor } = def;
  const runtime = runtimeFor(monitor, around);
  const check = monitor.type === "hearth" ? HEARTH_CHECKS[checkOf(monitor.name)!] : undefined;
  const defaultMessage = monitor.type === "hearth" ? check!.message : DEFAULT_MESSAGE[monitor.type];
  return {
    def: monitor,
    runtime,
    subject: compileTemplate(monitor.subject ?? check?.subject ?? defaultSubject),
    message: compileTemplate(monitor.message ?? defaultMessage),
    renotifyStates: monitor.renotify_statuses ? new Set(monitor.renotify_statuses) : DEFAULT_RENOTIFY,
    groups: new Map(),
    calendars: [],
  };
}

/**
 * Evaluation and group state: at each evaluation every monitor says what state each of its
 * groups calls for; a change becomes a transition and a notification, an unchanged unresolved
 * group is reminded of on its schedule. Notifications are muted by the calendars in force.
 */
export class GroupEvaluation {
  private readonly evaluations: Counter;
  private readonly transitions: Counter<"to">;
  private readonly notifications: Counter<"muted">;

  constructor(
    private readonly emit: AlertSink,
    private readonly presence: PresenceView,
    telemetry: Telemetry,
    /** The hub's name and address for messages: they change with a reload. */
    private readonly hub: () => { host: string; hostIp: string },
  ) {
    this.evaluations = telemetry.counter("alert_evaluations_total", "Monitor evaluations.");
    this.transitions = telemetry.counter("alert_transitions_total", "Monitor state changes, by new state.", ["to"]);
    this.notifications = telemetry.counter("alert_notifications_total", "Notifications produced, muted or not.", ["muted"]);
  }

  evaluate(monitors: readonly MonitorEntry[], now: number): void {
    this.evaluations.inc();
    const people = monitors.some((m) => m.def.type === "nobody_home") ? this.presence.people(now) : [];
    for (const m of monitors) {
      const observations = m.runtime.evaluate({ now, people, stateOf: (g) => m.groups.get(g)?.state ?? "OK" });
      for (const obs of observations) {
        if ("forget" in obs) {
          m.groups.delete(obs.group);
          continue;
        }
        let gs = m.groups.get(obs.group);
        if (!gs) {
          gs = {
            state: "OK",
            since: now,
            value: obs.value,
            firstTriggeredAt: undefined,
            lastTriggeredAt: undefined,
            lastNotifiedAt: undefined,
            renotified: 0,
            vars: obs.vars,
          };
          m.groups.set(obs.group, gs);
        }
        gs.vars = obs.vars;
        if (obs.target !== gs.state) this.change(m, obs.group, gs, obs.target, obs.value, now);
        else {
          gs.value = obs.value;
          if (this.renotifyDue(m, gs, now)) {
            gs.renotified++;
            this.notify(m, obs.group, gs, gs.state, gs.state, "renotify", now);
          }
        }
      }
    }
  }

  /** docs/datadog-semantics.md §3.2: re-notify while unresolved, `renotify_interval` after the last notification, in `renotify_statuses`. */
  private renotifyDue(m: MonitorEntry, gs: GroupState, now: number): boolean {
    const interval = m.def.renotify_interval;
    if (interval === undefined || gs.state === "OK" || gs.ack || !m.renotifyStates.has(gs.state)) return false;
    if (m.def.renotify_occurrences !== undefined && gs.renotified >= m.def.renotify_occurrences) return false;
    return gs.lastNotifiedAt !== undefined && now - gs.lastNotifiedAt >= interval;
  }

  private change(m: MonitorEntry, group: string, gs: GroupState, to: AlertState, value: number | null, now: number): void {
    const from = gs.state;
    this.transitions.inc({ to });
    this.emit({ t: isoTime(now), type: "transition", monitor: m.def.name, group, from, to, value: value === null ? null : roundValue(value) });
    if (from === "OK") gs.firstTriggeredAt = now;
    if (to !== "OK") gs.lastTriggeredAt = now;
    gs.state = to;
    gs.since = now;
    gs.value = value;
    gs.renotified = 0;
    delete gs.ack;
    for (const c of activeFor(m, group, now)) c.activity.push({ t: now, monitor: m.def.name, group, from, to, value });
    this.notify(m, group, gs, from, to, "transition", now);
    if (to === "OK") gs.firstTriggeredAt = undefined;
  }

  /** One notification of a monitor group, muted (and counted by the calendar) if a window in force says so. */
  notify(m: MonitorEntry, group: string, gs: GroupState, from: AlertState, to: AlertState, kind: NotificationKind, now: number): void {
    const ctx = this.context(m, group, gs, from, to, kind, now);
    const inForce = activeFor(m, group, now);
    const active: ActiveWindow[] = inForce.map((c) => ({
      calendar: c.def.name,
      start: c.active!.start,
      muteFirstRecovery: c.def.mute_first_recovery_notification,
    }));
    const decision = decideMute(active, kind, to, gs.firstTriggeredAt);
    gs.lastNotifiedAt = now;
    this.notifications.inc({ muted: String(decision.muted) });
    if (decision.mutedBy) inForce.find((c) => c.def.name === decision.mutedBy)!.muted++;
    this.emit({
      t: isoTime(now),
      type: "notification",
      monitor: m.def.name,
      group,
      state: to,
      recipients: [...m.def.recipients],
      subject: m.subject(ctx),
      body: m.message(ctx),
      muted: decision.muted,
      ...(decision.mutedBy ? { muted_by: decision.mutedBy } : {}),
    });
  }

  private context(m: MonitorEntry, group: string, gs: GroupState, from: AlertState, to: AlertState, kind: NotificationKind, now: number): TemplateContext {
    const tags = groupVariables(group);
    const hostTag = (tags.host as { name: string } | undefined)?.name;
    const hub = this.hub();
    return {
      ...m.runtime.staticVars,
      ...tags,
      ...gs.vars,
      ...stateFlags(from, to, kind),
      value: gs.value === null ? undefined : displayValue(gs.value),
      status: statusWord(to, kind),
      monitor_name: m.def.name,
      group,
      group_label: group === "*" ? "" : `{${group}}`,
      host: { name: hostTag ?? hub.host, ip: hub.hostIp },
      first_triggered_at: gs.firstTriggeredAt === undefined ? undefined : formatTime(gs.firstTriggeredAt),
      first_triggered_at_epoch: gs.firstTriggeredAt,
      last_triggered_at: gs.lastTriggeredAt === undefined ? undefined : formatTime(gs.lastTriggeredAt),
      last_triggered_at_epoch: gs.lastTriggeredAt,
      triggered_duration_sec: gs.firstTriggeredAt === undefined ? 0 : Math.round((now - gs.firstTriggeredAt) / 1000),
    };
  }
}
