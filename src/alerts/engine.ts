import type { Cancel, Clock } from "../kit/clock.js";
import type { PresenceView } from "../house/presence.js";
import type { Logger } from "../kit/log.js";
import type { Point } from "../pipeline/aggregate.js";
import type { Pipeline } from "../pipeline/pipeline.js";
import type { Telemetry } from "../kit/telemetry.js";
import { alertViews, downtimeViews, type AlertView, type DowntimeView } from "./alert-views.js";
import { monitorsToRun } from "./builtin-monitors.js";
import { mutesMonitor } from "./calendar.js";
import { buildOneOff, CalendarWindows } from "./calendar-windows.js";
import type { CalendarEntry, MonitorEntry } from "./engine-entries.js";
import { exportState, restoreCalendars, restoreMonitors, type EngineState, type SettledStateSink } from "./engine-state.js";
import type { AlertSink } from "./events.js";
import type { SelfFacts } from "./hearth-checks.js";
import { buildMonitor, GroupEvaluation, type MonitorSurroundings } from "./group-evaluation.js";
import { oneOffView, type OneOffDowntime, type OneOffView } from "./one-off.js";
import {
  acknowledgement,
  downtimeOf,
  groupsToAcknowledge,
  noSuchOneOff,
  oneOffFrom,
  requestedMonitor,
  snoozeOf,
  type AckRequest,
  type DowntimeRequest,
  type SnoozeRequest,
} from "./quiet-requests.js";
import type { AlertSettings } from "./settings.js";

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
  /** Takes the state whenever a moment's events are all out (after an evaluation, a reload, a snooze…), to persist it. */
  stateSink?: SettledStateSink;
  /** Called whenever a moment's events are all out, after the state went to `stateSink`. */
  onSettled?: () => void;
}

/**
 * The alert engine: monitors fed from the pipeline's flushed points, evaluated on the injected
 * clock every `alerts.evaluation_interval`, muted by downtime calendars, producing transition,
 * notification and downtime events. The live hub and `hearth replay` run this same code. It
 * coordinates: group state is `GroupEvaluation`'s, windows are `CalendarWindows`', requests
 * are checked by quiet-requests.ts, state and views are engine-state.ts' and alert-views.ts'.
 */
export class AlertEngine {
  private monitors: MonitorEntry[] = [];
  private byMetric = new Map<string, MonitorEntry[]>();
  private readonly windows: CalendarWindows;
  private readonly evaluation: GroupEvaluation;
  private nextOneOffId = 1;
  private surroundings: MonitorSurroundings;
  private intervalMs: number;
  private nextEvaluation = 0;
  private timer: Cancel | undefined;
  private unsubscribe: Cancel | undefined;
  private readonly clock: Clock;
  private readonly pipeline: Pipeline;
  private readonly emit: AlertSink;
  private readonly log: Logger;
  private readonly stateSink: SettledStateSink | undefined;
  private readonly onSettled: () => void;

  constructor(opts: AlertEngineOptions) {
    this.clock = opts.clock;
    this.pipeline = opts.pipeline;
    this.emit = opts.emit;
    this.log = opts.log;
    this.stateSink = opts.stateSink;
    this.onSettled = opts.onSettled ?? (() => undefined);
    const { settings } = opts;
    this.surroundings = { host: settings.host, hostIp: settings.hostIp, tanks: settings.tanks, selfFacts: opts.selfFacts };
    this.intervalMs = settings.evaluationInterval;
    this.evaluation = new GroupEvaluation(opts.emit, opts.presence, opts.telemetry, () => this.surroundings);
    this.windows = new CalendarWindows({
      emit: opts.emit,
      mutedBy: (c) => this.mutedBy(c),
      notifyAtEnd: (m, group, gs, now) => this.evaluation.notify(m, group, gs, gs.state, gs.state, "window_end", now),
    });
    opts.telemetry.gauge("alert_groups", "Monitor groups by state.", ["state"], (g) => {
      for (const s of ["OK", "WARN", "ALERT", "NO_DATA"] as const)
        g.set(
          { state: s },
          this.monitors.reduce((n, m) => n + [...m.groups.values()].filter((x) => x.state === s).length, 0),
        );
    });
    this.monitors = this.buildMonitors(settings);
    this.windows.replace(settings.calendars, this.clock.now());
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
    this.windows.announceUnannounced(now, (name) => this.windows.announced.has(name));
    this.windows.startDue(now);
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
    this.windows.endWithdrawn(settings.calendars, now);
    const old = new Map(this.monitors.map((m) => [m.def.name, m]));
    this.surroundings = { ...this.surroundings, host: settings.host, hostIp: settings.hostIp, tanks: settings.tanks };
    this.monitors = this.buildMonitors(settings).map((m) => {
      const before = old.get(m.def.name);
      if (before && before.runtime.fingerprint === m.runtime.fingerprint) {
        m.groups = before.groups;
        m.runtime.restore(before.runtime.snapshot());
      } else if (before) this.log.info({ monitor: m.def.name }, `Monitor "${m.def.name}" changed what it watches: its state starts over`);
      return m;
    });
    const known = this.windows.replace(settings.calendars, now);
    this.link();
    this.windows.announceUnannounced(now, (name) => known.has(name));
    if (settings.evaluationInterval !== this.intervalMs) {
      this.intervalMs = settings.evaluationInterval;
      this.nextEvaluation = this.alignedAfter(now);
    }
    if (this.unsubscribe) {
      this.windows.startDue(now);
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
    const next = this.windows.nextWake(this.nextEvaluation);
    this.timer = this.clock.setTimeout(() => this.run(), Math.max(0, next - this.clock.now()));
  }

  /**
   * One moment: windows that start now begin before the evaluation (a window is [start, end)),
   * windows that end now close after it, so a monitor still alerting at the end notifies then.
   */
  private run(): void {
    this.timer = undefined;
    const now = this.clock.now();
    this.windows.closeEnded(now, false);
    this.windows.startDue(now);
    if (now >= this.nextEvaluation) {
      this.evaluation.evaluate(this.monitors, now);
      this.nextEvaluation = this.alignedAfter(now);
    }
    this.windows.closeEnded(now, true);
    this.dropEndedOneOffs(now);
    this.arm();
    this.settled();
  }

  /* ---------------------------------------------------------------- quieting on purpose */

  /** Snoozes a monitor (or one group of it) from now for `forMs`, announced to its recipients. */
  snooze(req: SnoozeRequest): OneOffView {
    const m = requestedMonitor(this.monitors, req.monitor, req.group);
    return this.addOneOff(snoozeOf(m, req.group), req);
  }

  /** A one-off downtime from now for `forMs` over every monitor (only the groups carrying all of `scope`, if given). */
  addDowntime(req: DowntimeRequest): OneOffView {
    return this.addOneOff(downtimeOf(this.monitors, req.scope), req);
  }

  /** Ends a snooze or one-off downtime now; monitors it muted that are still not OK notify at once. */
  cancelDowntime(id: number): OneOffView {
    const c = this.windows.calendars.find((x) => x.oneOff?.id === id);
    if (!c) throw noSuchOneOff(id);
    const now = this.clock.now();
    if (c.active) this.windows.endWindow(c, now, true);
    c.oneOff!.end = Math.min(c.oneOff!.end, now);
    this.dropEndedOneOffs(now);
    this.arm();
    this.settled();
    return oneOffView(c.oneOff!);
  }

  /** Snoozes and one-off downtimes not yet over. */
  oneOffs(): OneOffView[] {
    return this.windows.calendars.flatMap((c) => (c.oneOff ? [oneOffView(c.oneOff)] : []));
  }

  /**
   * Acknowledges a monitor group (or every group that is not OK): its reminders stop until its
   * state changes, and the ack clears itself on any change, recovery included. The monitor's
   * recipients are told who acknowledged what.
   */
  acknowledge(req: AckRequest): AlertView[] {
    const m = requestedMonitor(this.monitors, req.monitor, req.group);
    const targets = groupsToAcknowledge(m, req.group);
    const now = this.clock.now();
    for (const [group, gs] of targets) {
      gs.ack = { at: now, ...(req.by ? { by: req.by } : {}) };
      this.emit(acknowledgement(m, group, gs, req.by, now));
    }
    this.settled();
    const acked = new Set(targets.map(([g]) => g));
    return this.alerts().filter((a) => a.monitor === m.def.name && acked.has(a.group));
  }

  private addOneOff(what: Parameters<typeof oneOffFrom>[1], req: Omit<DowntimeRequest, "scope">): OneOffView {
    const now = this.clock.now();
    const d: OneOffDowntime = oneOffFrom(this.nextOneOffId, what, req, now);
    this.nextOneOffId++;
    const c = buildOneOff(d);
    this.windows.calendars.push(c);
    this.link();
    this.windows.scheduled(c, now, false);
    c.nextCheck = now;
    this.windows.startDue(now);
    this.arm();
    this.settled();
    return oneOffView(d);
  }

  /** A moment's events are all out: its state goes to be kept, then the listener hears of it. */
  private settled(): void {
    this.stateSink?.settle(this.exportState());
    this.onSettled();
  }

  private dropEndedOneOffs(now: number): void {
    if (this.windows.dropEndedOneOffs(now)) this.link();
  }

  /* ---------------------------------------------------------------- building */

  private buildMonitors(settings: AlertSettings): MonitorEntry[] {
    return monitorsToRun(settings, this.surroundings.selfFacts !== undefined).map((def) => buildMonitor(def, this.surroundings));
  }

  private mutedBy(c: CalendarEntry): MonitorEntry[] {
    return this.monitors.filter((m) => m.calendars.includes(c));
  }

  /** Which calendars mute which monitor, and which monitors read which metric. */
  private link(): void {
    this.byMetric = new Map();
    for (const m of this.monitors) {
      const list = this.byMetric.get(m.runtime.metric) ?? [];
      list.push(m);
      this.byMetric.set(m.runtime.metric, list);
      m.calendars = this.windows.calendars
        .filter((c) => (c.oneOff?.kind === "snooze" ? c.oneOff.monitor === m.def.name : mutesMonitor(c.def, m.def)))
        .sort((a, b) => a.def.name.localeCompare(b.def.name));
    }
  }

  /* ---------------------------------------------------------------- state and views */

  exportState(): EngineState {
    return exportState(this.monitors, this.windows.calendars, this.windows.announced, this.nextOneOffId);
  }

  private restore(state: EngineState): void {
    this.nextOneOffId = state.next_one_off_id ?? 1;
    for (const d of state.one_offs ?? []) this.windows.calendars.push(buildOneOff(d));
    this.link();
    restoreMonitors(this.monitors, state.monitors);
    restoreCalendars(this.windows.calendars, this.windows.announced, state.calendars);
  }

  /** Every monitor group, not-OK first: what /api/alerts and the status page show. */
  alerts(): AlertView[] {
    return alertViews(this.monitors, this.clock.now());
  }

  /** Each calendar with the window in force and the windows of the next `days` days. */
  downtimes(days: number): DowntimeView[] {
    return downtimeViews(this.monitors, this.windows.calendars, this.clock.now(), days);
  }
}
