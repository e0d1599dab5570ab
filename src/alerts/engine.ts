import type { Counter } from "prom-client";
import type { Cancel, Clock } from "../kit/clock.js";
import type { Sourced } from "../config-kit/issues.js";
import type { PresenceView } from "../house/presence.js";
import type { Tank } from "../house/schema.js";
import type { Logger } from "../kit/log.js";
import type { Point } from "../pipeline/aggregate.js";
import { suggestion } from "../config-kit/issues.js";
import { normalizeTag } from "../pipeline/normalize.js";
import type { Pipeline } from "../pipeline/pipeline.js";
import { readableNumber } from "../kit/readable-number.js";
import type { Telemetry } from "../kit/telemetry.js";
import { monitorsToRun } from "./builtin-monitors.js";
import { calendarFingerprint, CalendarSchedule, mutesMonitor, type Schedule } from "./calendar.js";
import type { Calendar } from "./calendar-schema.js";
import { endedAnnouncement, scheduledAnnouncement, startedAnnouncement, type Activity, type Announcement, type StillOpen } from "./downtime-messages.js";
import { isoTime, type AlertSink, type DowntimeEvent } from "./events.js";
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
import { AnomalyMonitorRuntime } from "./anomaly-monitor.js";
import { defaultAnomalyMessage } from "./anomaly-messages.js";
import type { Monitor } from "./monitor-schema.js";
import { decideMute, type ActiveWindow } from "./muting.js";
import { NobodyHomeRuntime } from "./nobody-home.js";
import { oneOffAnnouncement, oneOffCalendar, oneOffName, OneOffSchedule, oneOffView, type OneOffDowntime, type OneOffView } from "./one-off.js";
import { windowView, type WindowView } from "./preview.js";
import { RequestError } from "./request-error.js";
import { defaultTankRangeMessage, TankRangeRuntime } from "./tank-range-monitor.js";
import type { MonitorRuntime } from "./runtime.js";
import type { AlertSettings } from "./settings.js";
import type { AlertState } from "./state.js";
import { compileTemplate, type Template, type TemplateContext } from "./templates.js";
import type { Interval } from "./windows.js";

/** One group of one monitor: its state and the times its messages and re-notifications need. */
interface GroupState {
  state: AlertState;
  since: number;
  value: number | null;
  /** Set when the group leaves OK (Datadog's first_triggered_at), kept until it is OK again. */
  firstTriggeredAt: number | undefined;
  /** Set on every change to a non-OK state, WARN↔ALERT included (docs/datadog-semantics.md Trap 14). */
  lastTriggeredAt: number | undefined;
  /** The last notification, sent or muted: re-notification counts from it. */
  lastNotifiedAt: number | undefined;
  renotified: number;
  /** The latest type-specific template variables (who is home), for reminders. */
  vars: TemplateContext;
  /** Someone acknowledged the current state: no reminders until it changes. */
  ack?: { at: number; by?: string };
}

interface MonitorEntry {
  def: Monitor;
  runtime: MonitorRuntime;
  subject: Template;
  message: Template;
  renotifyStates: ReadonlySet<AlertState>;
  groups: Map<string, GroupState>;
  /** The calendars that mute this monitor (by name or by monitor_tags), sorted by name. */
  calendars: CalendarEntry[];
}

interface CalendarEntry {
  def: Calendar;
  schedule: Schedule;
  /** Set for a snooze or a one-off downtime, which lives until its window ends. */
  oneOff?: OneOffDowntime;
  fingerprint: string;
  scope: string[] | undefined;
  /** The window in force, if any. */
  active: Interval | undefined;
  /** When to look again whether a window has started. */
  nextCheck: number;
  /** State changes of the monitors it muted, and how many notifications it muted, during the window in force. */
  activity: Activity[];
  muted: number;
}

/** Everything the engine keeps, as JSON: persisted, it lets a restart neither re-fire nor forget. */
export interface EngineState {
  version: 1;
  monitors: Record<string, { fingerprint: string; groups: Record<string, GroupState>; data: unknown }>;
  calendars: Record<string, { fingerprint: string; active: Interval | undefined; activity: Activity[]; muted: number }>;
  /** Snoozes and one-off downtimes not yet over, and the id the next one gets. */
  one_offs?: OneOffDowntime[];
  next_one_off_id?: number;
}

export interface AlertView {
  monitor: string;
  type: Monitor["type"];
  group: string;
  state: AlertState;
  value: number | null;
  since: string;
  muted: boolean;
  muted_by?: string;
  acknowledged_by?: string;
  acknowledged_at?: string;
}

export interface DowntimeView {
  name: string;
  timezone: string;
  monitors: string[];
  active: WindowView | null;
  windows: WindowView[];
}

interface AlertEngineOptions {
  settings: AlertSettings;
  pipeline: Pipeline;
  presence: PresenceView;
  clock: Clock;
  telemetry: Telemetry;
  log: Logger;
  emit: AlertSink;
  /** State saved by an earlier run. */
  state?: EngineState;
  /** Hearth's own state, for the built-in hearth.* monitors; without it (a replay) they do not run. */
  selfFacts?: SelfFacts;
  /** Called whenever a moment's events are all out (after an evaluation, a reload, a snooze…): the time to persist `exportState()`. */
  onSettled?: () => void;
}

interface SnoozeRequest {
  monitor: string;
  group?: string;
  forMs: number;
  reason?: string;
  by?: string;
  timezone?: string;
}

interface DowntimeRequest {
  forMs: number;
  scope?: string[];
  reason?: string;
  by?: string;
  timezone?: string;
}

const DAY_MS = 86_400_000;
/** With no window ahead, look again this often (a one-off date far in the future comes into view). */
const RECHECK_MS = 30 * DAY_MS;
const DEFAULT_RENOTIFY: ReadonlySet<AlertState> = new Set(["ALERT", "NO_DATA"]);

function runtimeFor(def: Monitor, host: string, facts: SelfFacts | undefined, tanks: ReadonlyMap<string, Tank>): MonitorRuntime {
  switch (def.type) {
    case "nobody_home":
      return new NobodyHomeRuntime(def);
    case "tank_range":
      return new TankRangeRuntime(def, tanks);
    case "hearth":
      return new HearthMonitorRuntime(def, facts!);
    case "metric":
      return new MetricMonitorRuntime(def, host);
    case "anomaly":
      return new AnomalyMonitorRuntime(def, host);
  }
}

const DEFAULT_MESSAGE: Readonly<Record<Exclude<Monitor["type"], "hearth">, string>> = {
  metric: defaultMetricMessage,
  nobody_home: defaultNobodyHomeMessage,
  tank_range: defaultTankRangeMessage,
  anomaly: defaultAnomalyMessage,
};

/** The zone announcements use when the asker gives none: the hub's own. */
const localZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * The alert engine: monitors fed from the pipeline's flushed points, evaluated on the injected
 * clock every `alerts.evaluation_interval`, muted by downtime calendars, producing transition,
 * notification and downtime events. The live hub and `hearth replay` run this same code.
 */
export class AlertEngine {
  private monitors: MonitorEntry[] = [];
  private byMetric = new Map<string, MonitorEntry[]>();
  private calendars: CalendarEntry[] = [];
  /** Calendars announced as scheduled, with the definition they were announced with. */
  private readonly announced = new Map<string, string>();
  private nextOneOffId = 1;
  private host: string;
  private hostIp: string;
  private tanks: ReadonlyMap<string, Tank>;
  private intervalMs: number;
  private nextEvaluation = 0;
  private timer: Cancel | undefined;
  private unsubscribe: Cancel | undefined;
  private readonly clock: Clock;
  private readonly presence: PresenceView;
  private readonly pipeline: Pipeline;
  private readonly emit: AlertSink;
  private readonly log: Logger;
  private readonly selfFacts: SelfFacts | undefined;
  private readonly settled: () => void;
  private readonly evaluations: Counter;
  private readonly transitions: Counter<"to">;
  private readonly notifications: Counter<"muted">;

  constructor(opts: AlertEngineOptions) {
    this.clock = opts.clock;
    this.presence = opts.presence;
    this.pipeline = opts.pipeline;
    this.emit = opts.emit;
    this.log = opts.log;
    this.selfFacts = opts.selfFacts;
    this.settled = opts.onSettled ?? (() => undefined);
    const { settings } = opts;
    this.host = settings.host;
    this.hostIp = settings.hostIp;
    this.tanks = settings.tanks;
    this.intervalMs = settings.evaluationInterval;
    this.evaluations = opts.telemetry.counter("alert_evaluations_total", "Monitor evaluations.");
    this.transitions = opts.telemetry.counter("alert_transitions_total", "Monitor state changes, by new state.", ["to"]);
    this.notifications = opts.telemetry.counter("alert_notifications_total", "Notifications produced, muted or not.", ["muted"]);
    opts.telemetry.gauge("alert_groups", "Monitor groups by state.", ["state"], (g) => {
      for (const s of ["OK", "WARN", "ALERT", "NO_DATA"] as const)
        g.set(
          { state: s },
          this.monitors.reduce((n, m) => n + [...m.groups.values()].filter((x) => x.state === s).length, 0),
        );
    });
    this.monitors = monitorsToRun(settings, this.selfFacts !== undefined).map((def) => this.buildMonitor(def));
    this.calendars = settings.calendars.map((def) => this.buildCalendar(def));
    this.link();
    if (opts.state) this.restore(opts.state);
  }

  /** The longest a replay must run past its last input for every monitor to have its say (no-data and `for` durations). */
  get settleMs(): number {
    return Math.max(0, ...this.monitors.map((m) => m.runtime.settleMs));
  }

  start(): void {
    this.unsubscribe = this.pipeline.onFlush((points) => this.ingest(points));
    const now = this.clock.now();
    this.nextEvaluation = this.alignedAfter(now);
    for (const c of this.calendars) if (this.announced.get(c.def.name) !== c.fingerprint) this.scheduled(c, now, this.announced.has(c.def.name));
    this.startCalendars(now);
    this.arm();
    this.settled();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.timer?.();
    this.timer = undefined;
    this.settled();
  }

  /** Puts new rules in force. A monitor whose query (or watched appliances) is unchanged keeps its state and data. */
  reconfigure(settings: AlertSettings): void {
    const now = this.clock.now();
    const nextCalendars = new Map(settings.calendars.map((def) => [def.name, def]));
    // Windows of removed or changed calendars that are no longer in force end as canceled, judged against the old monitors.
    for (const c of this.calendars) {
      if (!c.active || c.oneOff) continue;
      const next = nextCalendars.get(c.def.name);
      const stillActive = next && calendarFingerprint(next) === c.fingerprint ? c.active : next ? new CalendarSchedule(next).activeAt(now) : undefined;
      if (!stillActive) this.endWindow(c, now, true);
    }
    const old = new Map(this.monitors.map((m) => [m.def.name, m]));
    this.host = settings.host;
    this.hostIp = settings.hostIp;
    this.tanks = settings.tanks;
    this.monitors = monitorsToRun(settings, this.selfFacts !== undefined).map((def) => {
      const m = this.buildMonitor(def);
      const before = old.get(def.name);
      if (before && before.runtime.fingerprint === m.runtime.fingerprint) {
        m.groups = before.groups;
        m.runtime.restore(before.runtime.snapshot());
      } else if (before) this.log.info({ monitor: def.name }, `Monitor "${def.name}" changed what it watches: its state starts over`);
      return m;
    });
    const oldCalendars = new Map(this.calendars.map((c) => [c.def.name, c]));
    const oneOffs = this.calendars.filter((c) => c.oneOff);
    this.calendars = settings.calendars.map((def) => {
      const c = this.buildCalendar(def);
      const before = oldCalendars.get(def.name);
      if (before?.active) {
        c.active = c.schedule.activeAt(now);
        c.activity = before.activity;
        c.muted = before.muted;
      }
      return c;
    });
    this.calendars.push(...oneOffs);
    this.link();
    for (const c of this.calendars) if (this.announced.get(c.def.name) !== c.fingerprint) this.scheduled(c, now, oldCalendars.has(c.def.name));
    if (settings.evaluationInterval !== this.intervalMs) {
      this.intervalMs = settings.evaluationInterval;
      this.nextEvaluation = this.alignedAfter(now);
    }
    if (this.unsubscribe) {
      this.startCalendars(now);
      this.arm();
    }
    this.settled();
  }

  /* ---------------------------------------------------------------- data in */

  private ingest(points: readonly Point[]): void {
    for (const p of points) {
      const monitors = this.byMetric.get(p.metric);
      if (monitors) for (const m of monitors) m.runtime.accept(p);
    }
    for (const m of this.monitors) m.runtime.endBatch();
  }

  /* ---------------------------------------------------------------- the clock */

  /** Evaluations fall on multiples of the interval (every minute on the minute), so a replay and the live hub agree. */
  private alignedAfter(t: number): number {
    return Math.floor(t / this.intervalMs) * this.intervalMs + this.intervalMs;
  }

  private arm(): void {
    this.timer?.();
    let next = this.nextEvaluation;
    for (const c of this.calendars) next = Math.min(next, c.active ? c.active.end : c.nextCheck);
    this.timer = this.clock.setTimeout(() => this.run(), Math.max(0, next - this.clock.now()));
  }

  /**
   * One moment: windows that start now begin before the evaluation (a window is [start, end)),
   * windows that end now close after it, so a monitor still alerting at the end notifies then.
   */
  private run(): void {
    this.timer = undefined;
    const now = this.clock.now();
    for (const c of this.calendars) if (c.active && c.active.end < now) this.closeOrExtend(c, now);
    this.startCalendars(now);
    if (now >= this.nextEvaluation) {
      this.evaluate(now);
      this.nextEvaluation = this.alignedAfter(now);
    }
    for (const c of this.calendars) if (c.active && c.active.end <= now) this.closeOrExtend(c, now);
    this.dropEndedOneOffs(now);
    this.arm();
    this.settled();
  }

  /* ---------------------------------------------------------------- evaluation */

  private evaluate(now: number): void {
    this.evaluations.inc();
    const people = this.monitors.some((m) => m.def.type === "nobody_home") ? this.presence.people(now) : [];
    for (const m of this.monitors) {
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
    for (const c of this.activeFor(m, group, now)) c.activity.push({ t: now, monitor: m.def.name, group, from, to, value });
    this.notify(m, group, gs, from, to, "transition", now);
    if (to === "OK") gs.firstTriggeredAt = undefined;
  }

  private notify(m: MonitorEntry, group: string, gs: GroupState, from: AlertState, to: AlertState, kind: NotificationKind, now: number): void {
    const ctx = this.context(m, group, gs, from, to, kind, now);
    const active: ActiveWindow[] = this.activeFor(m, group, now).map((c) => ({
      calendar: c.def.name,
      start: c.active!.start,
      muteFirstRecovery: c.def.mute_first_recovery_notification,
    }));
    const decision = decideMute(active, kind, to, gs.firstTriggeredAt);
    gs.lastNotifiedAt = now;
    this.notifications.inc({ muted: String(decision.muted) });
    if (decision.mutedBy) this.calendars.find((c) => c.def.name === decision.mutedBy)!.muted++;
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
      host: { name: hostTag ?? this.host, ip: this.hostIp },
      first_triggered_at: gs.firstTriggeredAt === undefined ? undefined : formatTime(gs.firstTriggeredAt),
      first_triggered_at_epoch: gs.firstTriggeredAt,
      last_triggered_at: gs.lastTriggeredAt === undefined ? undefined : formatTime(gs.lastTriggeredAt),
      last_triggered_at_epoch: gs.lastTriggeredAt,
      triggered_duration_sec: gs.firstTriggeredAt === undefined ? 0 : Math.round((now - gs.firstTriggeredAt) / 1000),
    };
  }

  /* ---------------------------------------------------------------- calendars */

  /** The calendars in force for a monitor group at `now`, sorted by name. */
  private activeFor(m: MonitorEntry, group: string, now: number): CalendarEntry[] {
    return m.calendars.filter((c) => c.active && c.active.start <= now && now < c.active.end && this.inScope(c, m, group));
  }

  private inScope(c: CalendarEntry, m: MonitorEntry, group: string): boolean {
    if (!c.scope) return true;
    const tags = m.runtime.scopeTags(group);
    return c.scope.every((t) => tags.includes(t));
  }

  private startCalendars(now: number): void {
    for (const c of this.calendars) {
      if (c.active || c.nextCheck > now) continue;
      const w = c.schedule.activeAt(now);
      if (w) this.startWindow(c, w, now);
      else c.nextCheck = c.schedule.nextAfter(now)?.start ?? now + RECHECK_MS;
    }
  }

  private startWindow(c: CalendarEntry, w: Interval, now: number): void {
    c.active = w;
    c.activity = [];
    c.muted = 0;
    const tell = c.def.announce.includes("started") ? startedAnnouncement(c.schedule, w) : undefined;
    this.downtime(c, "started", now, w, tell);
  }

  /** A window reached its end: merged windows can run past the search horizon, so it may simply continue. */
  private closeOrExtend(c: CalendarEntry, now: number): void {
    const w = c.schedule.activeAt(now);
    if (w && w.start <= c.active!.end) c.active = w;
    else {
      this.endWindow(c, now, false);
      c.nextCheck = now;
    }
  }

  /**
   * docs/datadog-semantics.md §4.3: when a window expires, monitors still in one of its
   * `notify_end_states` notify again (unless another window still mutes them, or someone
   * acknowledged them); a canceled window (its calendar changed or removed) sends nothing, as
   * Datadog's default `notify_end_types: [expired]`. A snooze or one-off downtime canceled by
   * hand does notify: whoever cancels it wants to hear again. The recipients get the digest of
   * what happened.
   */
  private endWindow(c: CalendarEntry, now: number, canceled: boolean): void {
    const w = c.active!;
    const muted = this.monitors.filter((m) => m.calendars.includes(c));
    const open: { m: MonitorEntry; group: string; gs: GroupState }[] = [];
    for (const m of muted) for (const [group, gs] of m.groups) if (gs.state !== "OK" && this.inScope(c, m, group)) open.push({ m, group, gs });
    const announce = c.def.announce.includes("ended") || (c.def.announce.includes("digest") && c.activity.length > 0);
    const stillOpen: StillOpen[] = open.map(({ m, group, gs }) => ({ monitor: m.def.name, group, state: gs.state, since: gs.since, value: gs.value }));
    const tell = announce ? endedAnnouncement(c.schedule, w, now, canceled, c.activity, c.muted, stillOpen) : undefined;
    c.active = undefined;
    this.downtime(c, "ended", now, w, tell, canceled ? "canceled" : "expired");
    c.activity = [];
    c.muted = 0;
    if (canceled && !c.oneOff) return;
    for (const { m, group, gs } of open) {
      if (!c.def.notify_end_states.includes(gs.state) || gs.ack || this.activeFor(m, group, now).length > 0) continue;
      this.notify(m, group, gs, gs.state, gs.state, "window_end", now);
    }
  }

  private scheduled(c: CalendarEntry, now: number, changed: boolean): void {
    this.announced.set(c.def.name, c.fingerprint);
    const mutes = this.monitors.filter((m) => m.calendars.includes(c)).map((m) => m.def.name);
    const tell = c.oneOff
      ? oneOffAnnouncement(c.oneOff, mutes)
      : c.def.announce.includes("scheduled")
        ? scheduledAnnouncement(c.schedule, now, changed, mutes)
        : undefined;
    const next = c.schedule.activeAt(now) ?? c.schedule.nextAfter(now);
    this.downtime(c, "scheduled", now, next, tell);
  }

  private downtime(
    c: CalendarEntry,
    event: DowntimeEvent["event"],
    now: number,
    w: Interval | undefined,
    tell: Announcement | undefined,
    reason?: DowntimeEvent["reason"],
  ): void {
    const told = tell && c.def.recipients.length > 0;
    this.emit({
      t: isoTime(now),
      type: "downtime",
      calendar: c.def.name,
      event,
      ...(w ? { start: isoTime(w.start), end: isoTime(w.end) } : {}),
      ...(reason ? { reason } : {}),
      ...(told ? { recipients: [...c.def.recipients], subject: tell.subject, body: tell.body } : {}),
    });
  }

  /* ---------------------------------------------------------------- quieting on purpose */

  /** Snoozes a monitor (or one group of it) from now for `forMs`, announced to its recipients. */
  snooze(req: SnoozeRequest): OneOffView {
    const m = this.monitorNamed(req.monitor);
    if (req.group !== undefined && !m.groups.has(req.group)) throw this.unknownGroup(m, req.group);
    return this.addOneOff(
      { kind: "snooze", monitor: m.def.name, ...(req.group !== undefined ? { group: req.group } : {}), recipients: [...m.def.recipients] },
      req,
    );
  }

  /** A one-off downtime from now for `forMs` over every monitor (only the groups carrying all of `scope`, if given). */
  addDowntime(req: DowntimeRequest): OneOffView {
    const scope = req.scope?.map(normalizeTag);
    const recipients = [...new Set(this.monitors.flatMap((m) => m.def.recipients))].sort();
    return this.addOneOff({ kind: "downtime", ...(scope?.length ? { scope } : {}), recipients }, req);
  }

  /** Ends a snooze or one-off downtime now; monitors it muted that are still not OK notify at once. */
  cancelDowntime(id: number): OneOffView {
    const c = this.calendars.find((x) => x.oneOff?.id === id);
    if (!c) throw new RequestError(404, `no snooze or downtime ${id} is in force (hearth downtime list shows them)`);
    const now = this.clock.now();
    if (c.active) this.endWindow(c, now, true);
    c.oneOff!.end = Math.min(c.oneOff!.end, now);
    this.dropEndedOneOffs(now);
    this.arm();
    this.settled();
    return oneOffView(c.oneOff!);
  }

  /** Snoozes and one-off downtimes not yet over. */
  oneOffs(): OneOffView[] {
    return this.calendars.flatMap((c) => (c.oneOff ? [oneOffView(c.oneOff)] : []));
  }

  /**
   * Acknowledges a monitor group (or every group that is not OK): its reminders stop until its
   * state changes, and the ack clears itself on any change, recovery included. The monitor's
   * recipients are told who acknowledged what.
   */
  acknowledge(req: { monitor: string; group?: string; by?: string }): AlertView[] {
    const m = this.monitorNamed(req.monitor);
    if (req.group !== undefined && !m.groups.has(req.group)) throw this.unknownGroup(m, req.group);
    const targets = [...m.groups].filter(([g, gs]) => (req.group === undefined || g === req.group) && gs.state !== "OK");
    if (targets.length === 0) throw new RequestError(409, `nothing to acknowledge: ${m.def.name}${req.group ? ` {${req.group}}` : ""} is OK`);
    const now = this.clock.now();
    for (const [group, gs] of targets) {
      gs.ack = { at: now, ...(req.by ? { by: req.by } : {}) };
      const where = group === "*" ? "" : ` {${group}}`;
      this.emit({
        t: isoTime(now),
        type: "acknowledgement",
        monitor: m.def.name,
        group,
        state: gs.state,
        recipients: [...m.def.recipients],
        subject: `[Acknowledged${group === "*" ? "" : ` on {${group}}`}] ${m.def.name}`,
        body: `${req.by ?? "Someone"} acknowledged ${m.def.name}${where}, ${gs.state} since ${formatTime(gs.since)}: no reminders until its state changes.`,
        ...(req.by ? { by: req.by } : {}),
      });
    }
    this.settled();
    const acked = new Set(targets.map(([g]) => g));
    return this.alerts().filter((a) => a.monitor === m.def.name && acked.has(a.group));
  }

  private monitorNamed(name: string): MonitorEntry {
    const m = this.monitors.find((x) => x.def.name === name);
    if (!m)
      throw new RequestError(
        404,
        `no monitor named "${name}"${suggestion(
          name,
          this.monitors.map((x) => x.def.name),
        )}`,
      );
    return m;
  }

  private unknownGroup(m: MonitorEntry, group: string): RequestError {
    const known = [...m.groups.keys()];
    return new RequestError(
      404,
      `monitor "${m.def.name}" has no group "${group}"${suggestion(group, known)}${known.length ? `; its groups: ${known.join(" ")}` : ""}`,
    );
  }

  private addOneOff(
    what: Pick<OneOffDowntime, "kind" | "monitor" | "group" | "scope" | "recipients">,
    req: { forMs: number; reason?: string; by?: string; timezone?: string },
  ): OneOffView {
    if (!(req.forMs > 0)) throw new RequestError(400, "the duration must be longer than zero");
    const now = this.clock.now();
    const d: OneOffDowntime = {
      id: this.nextOneOffId++,
      ...what,
      start: now,
      end: now + req.forMs,
      ...(req.reason ? { reason: req.reason } : {}),
      ...(req.by ? { by: req.by } : {}),
      timezone: req.timezone ?? localZone(),
    };
    const c = this.buildOneOff(d);
    this.calendars.push(c);
    this.link();
    this.scheduled(c, now, false);
    c.nextCheck = now;
    this.startCalendars(now);
    this.arm();
    this.settled();
    return oneOffView(d);
  }

  private buildOneOff(d: OneOffDowntime): CalendarEntry {
    const def = oneOffCalendar(d);
    return { ...this.buildCalendar(def), schedule: new OneOffSchedule(d), oneOff: d };
  }

  /** A snooze or one-off downtime whose window is over is done: it leaves the list. */
  private dropEndedOneOffs(now: number): void {
    const ended = this.calendars.filter((c) => c.oneOff && c.active === undefined && c.oneOff.end <= now);
    if (ended.length === 0) return;
    for (const c of ended) this.announced.delete(oneOffName(c.oneOff!));
    this.calendars = this.calendars.filter((c) => !ended.includes(c));
    this.link();
  }

  /* ---------------------------------------------------------------- building */

  private buildMonitor(def: Sourced<Monitor>): MonitorEntry {
    const { source: _source, ...monitor } = def;
    const runtime = runtimeFor(monitor, this.host, this.selfFacts, this.tanks);
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

  private buildCalendar(def: Calendar & { source?: unknown }): CalendarEntry {
    const { source: _source, ...calendar } = def;
    return {
      def: calendar,
      schedule: new CalendarSchedule(calendar),
      fingerprint: calendarFingerprint(calendar),
      scope: calendar.scope?.map(normalizeTag),
      active: undefined,
      nextCheck: 0,
      activity: [],
      muted: 0,
    };
  }

  /** Which calendars mute which monitor, and which monitors read which metric. */
  private link(): void {
    this.byMetric = new Map();
    for (const m of this.monitors) {
      const list = this.byMetric.get(m.runtime.metric) ?? [];
      list.push(m);
      this.byMetric.set(m.runtime.metric, list);
      m.calendars = this.calendars
        .filter((c) => (c.oneOff?.kind === "snooze" ? c.oneOff.monitor === m.def.name : mutesMonitor(c.def, m.def)))
        .sort((a, b) => a.def.name.localeCompare(b.def.name));
    }
  }

  /* ---------------------------------------------------------------- state and views */

  exportState(): EngineState {
    return {
      version: 1,
      monitors: Object.fromEntries(
        this.monitors.map((m) => [m.def.name, { fingerprint: m.runtime.fingerprint, groups: Object.fromEntries(m.groups), data: m.runtime.snapshot() }]),
      ),
      calendars: Object.fromEntries(
        this.calendars.map((c) => [c.def.name, { fingerprint: this.announced.get(c.def.name) ?? "", active: c.active, activity: c.activity, muted: c.muted }]),
      ),
      one_offs: this.calendars.flatMap((c) => (c.oneOff ? [c.oneOff] : [])),
      next_one_off_id: this.nextOneOffId,
    };
  }

  private restore(state: EngineState): void {
    this.nextOneOffId = state.next_one_off_id ?? 1;
    for (const d of state.one_offs ?? []) this.calendars.push(this.buildOneOff(d));
    this.link();
    for (const m of this.monitors) {
      const saved = state.monitors[m.def.name];
      if (!saved || saved.fingerprint !== m.runtime.fingerprint) continue;
      m.groups = new Map(Object.entries(saved.groups).map(([g, gs]) => [g, { ...gs }]));
      m.runtime.restore(saved.data);
    }
    for (const c of this.calendars) {
      const saved = state.calendars[c.def.name];
      if (!saved) continue;
      if (saved.fingerprint) this.announced.set(c.def.name, saved.fingerprint);
      if (saved.active && saved.fingerprint === c.fingerprint) {
        c.active = saved.active;
        c.activity = saved.activity;
        c.muted = saved.muted;
      }
    }
  }

  /** Every monitor group, not-OK first: what /api/alerts and the status page show. */
  alerts(): AlertView[] {
    const now = this.clock.now();
    const views: AlertView[] = [];
    for (const m of this.monitors) {
      for (const [group, gs] of m.groups) {
        const muting = this.activeFor(m, group, now)[0];
        const ack = gs.ack ? { ...(gs.ack.by ? { acknowledged_by: gs.ack.by } : {}), acknowledged_at: isoTime(gs.ack.at) } : {};
        views.push({
          monitor: m.def.name,
          type: m.def.type,
          group,
          state: gs.state,
          value: gs.value === null ? null : readableNumber(gs.value),
          since: isoTime(gs.since),
          muted: muting !== undefined,
          ...(muting ? { muted_by: muting.def.name } : {}),
          ...ack,
        });
      }
    }
    const rank = (s: AlertState) => ({ ALERT: 0, NO_DATA: 1, WARN: 2, OK: 3 })[s];
    return views.sort((a, b) => rank(a.state) - rank(b.state) || a.monitor.localeCompare(b.monitor) || a.group.localeCompare(b.group));
  }

  /** Each calendar with the window in force and the windows of the next `days` days. */
  downtimes(days: number): DowntimeView[] {
    const now = this.clock.now();
    return this.calendars
      .filter((c) => !c.oneOff)
      .map((c) => ({
        name: c.def.name,
        timezone: c.def.timezone,
        monitors: this.monitors.filter((m) => m.calendars.includes(c)).map((m) => m.def.name),
        active: c.active ? windowView(c.active, c.def.timezone) : null,
        windows: c.schedule.windows(now, now + days * DAY_MS).map((w) => windowView(w, c.def.timezone)),
      }));
  }
}

/** Values in events keep four decimals: enough for any reading, without float noise. */
const roundValue = (v: number): number => Math.round(v * 10_000) / 10_000;
