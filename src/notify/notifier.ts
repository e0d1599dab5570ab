import type { EngineState, SettledStateSink } from "../alerts/engine-state.js";
import type { AlertEvent } from "../alerts/events.js";
import { HEARTH_PREFIX } from "../alerts/hearth-checks.js";
import type { Cancel, Clock } from "../kit/clock.js";
import { describeError } from "../kit/errors.js";
import type { Health } from "../kit/health.js";
import type { Logger } from "../kit/log.js";
import type { Store } from "../store/store.js";
import type { Telemetry } from "../kit/telemetry.js";
import { Dispatcher, type LaneState } from "./dispatcher.js";
import { priorityFor } from "./message.js";
import { NOTIFY_MIGRATIONS, NotificationOutbox, type NewNotification, type NotificationKind, type NotificationRow } from "./outbox.js";
import type { NotifyConfig } from "./schema.js";
import { Transports } from "./transports/index.js";

/** How long a clean stop waits for sends in flight (each is bounded by notify.timeout too). */
const STOP_TIMEOUT_MS = 5_000;
const MAINTENANCE_EVERY_MS = 3_600_000;
const FAILING_MONITOR = `${HEARTH_PREFIX}notify_failing`;

/** The group of hearth.notify_failing for one recipient's channel: its tags, sorted. */
export const laneGroup = (recipient: string, channel: string): string => `channel:${channel},recipient:${recipient}`;

/** The notifier's part of the configuration: its own section, the hub's name for messages, and how long the store keeps what was sent. */
export interface NotifierSettings {
  notify: NotifyConfig;
  host: string;
  /** `storage.retention`, in milliseconds. */
  retention: number;
}

interface NotifierOptions {
  settings: NotifierSettings;
  store: Store;
  clock: Clock;
  telemetry: Telemetry;
  health: Health;
  log: Logger;
}

/**
 * Delivery of what the alert engine decides. Events that tell someone (unmuted notifications,
 * calendar and snooze announcements, acknowledgements) become one outbox row per recipient and
 * channel; `settle` writes them together with the engine's state in one transaction of the local
 * store, and only then does anything go over the network. So a crash before the commit loses the
 * decision and the state alike (the restarted engine decides again, once), and a crash after it
 * finds the rows waiting. A row is marked sent once its server accepted it: after a crash between
 * the acceptance and the mark, that one notification goes out once more.
 */
export class Notifier implements SettledStateSink {
  private settings: NotifierSettings;
  private transports: Transports;
  private readonly outbox: NotificationOutbox;
  private readonly dispatcher: Dispatcher;
  private buffered: NewNotification[] = [];
  private savedState: string | undefined;
  private maintenance: Cancel | undefined;
  private readonly clock: Clock;
  private readonly health: Health;
  private readonly log: Logger;

  constructor(o: NotifierOptions) {
    this.settings = o.settings;
    this.clock = o.clock;
    this.health = o.health;
    this.log = o.log;
    o.store.migrate(NOTIFY_MIGRATIONS);
    this.outbox = new NotificationOutbox(o.store.db);
    this.savedState = this.outbox.loadState();
    this.transports = new Transports(o.settings.notify);
    const metrics = {
      done: o.telemetry.counter(
        "notify_notifications_total",
        "Notifications dealt with, by channel and status: sent, failed (refused for good), expired (notify.max_age), dropped (channel removed).",
        ["channel", "status"],
      ),
      retries: o.telemetry.counter("notify_retries_total", "Failed delivery attempts that will be retried, by channel and error code.", ["channel", "code"]),
    };
    o.telemetry.gauge("notify_pending", "Notifications waiting in the outbox, by channel.", ["channel"], (g) => {
      g.reset();
      for (const l of this.outbox.lanes()) g.inc({ channel: l.channel }, l.pending);
    });
    o.telemetry.gauge("notify_oldest_pending_age_seconds", "Age of the oldest notification waiting in the outbox (0 when none waits).", [], (g) => {
      const oldest = Math.min(...this.outbox.lanes().map((l) => l.oldest));
      g.set(Number.isFinite(oldest) ? Math.max(0, (this.clock.now() - oldest) / 1000) : 0);
    });
    this.dispatcher = new Dispatcher({
      outbox: this.outbox,
      transports: () => this.transports,
      settings: () => ({
        retry: this.settings.notify.retry,
        maxAge: this.settings.notify.max_age,
        statusUrl: this.settings.notify.status_url,
        host: this.settings.host,
      }),
      clock: o.clock,
      metrics,
      log: o.log,
      changed: () => this.report(),
    });
    this.report();
  }

  /** The engine state the last run saved, if any. */
  savedEngineState(): EngineState | undefined {
    if (this.savedState === undefined) return undefined;
    try {
      const state = JSON.parse(this.savedState) as EngineState;
      return state.version === 1 ? state : undefined;
    } catch (err) {
      this.log.error({ err: describeError(err) }, "The saved alert state cannot be read; monitors start over");
      return undefined;
    }
  }

  /** Takes every event of the engine; those that tell someone are written at the next `settle`. */
  accept(e: AlertEvent): void {
    switch (e.type) {
      case "notification":
        if (!e.muted) this.fanOut("alert", e.recipients, e, { monitor: e.monitor, group: e.group, state: e.state });
        break;
      case "downtime":
        if (e.recipients && e.subject !== undefined && e.body !== undefined)
          this.fanOut("downtime", e.recipients, { t: e.t, subject: e.subject, body: e.body }, {});
        break;
      case "acknowledgement":
        this.fanOut("acknowledgement", e.recipients, e, { monitor: e.monitor, group: e.group, state: e.state });
        break;
      case "transition":
        break;
    }
  }

  private fanOut(
    kind: NotificationKind,
    recipients: readonly string[],
    e: { t: string; subject: string; body: string },
    about: { monitor?: string; group?: string; state?: string },
  ): void {
    const createdAt = Date.parse(e.t);
    for (const recipient of recipients) {
      const channels = this.transports.of(recipient);
      if (!channels) {
        this.log.warn({ recipient }, `No recipient named "${recipient}" in notify.recipients: "${e.subject}" is not sent to them`);
        continue;
      }
      if (channels.length === 0) this.log.info({ recipient }, `${recipient} has no channel in notify.recipients: "${e.subject}" is only logged`);
      for (const channel of channels) {
        // hearth.notify_failing about a channel goes by the recipients' other channels: that one is stuck.
        if (about.monitor === FAILING_MONITOR && about.group === laneGroup(recipient, channel.key)) continue;
        this.buffered.push({
          createdAt,
          recipient,
          channel: channel.key,
          kind,
          ...about,
          priority: priorityFor(kind, about.state),
          title: e.subject,
          body: e.body,
        });
      }
    }
  }

  /**
   * Writes the notifications taken since the last call and the engine state in one transaction,
   * then lets them go. A failed write (a full disk) keeps them for the next call.
   */
  settle(state: EngineState): void {
    const json = JSON.stringify(state);
    if (this.buffered.length === 0 && json === this.savedState) return;
    const rows = this.buffered;
    try {
      this.outbox.commit(rows, json === this.savedState ? undefined : json, this.clock.now());
    } catch (err) {
      this.log.error(
        { code: "HEARTH_E_STORE_WRITE_FAILED", err: describeError(err), waiting: rows.length },
        "Notifications and alert state cannot be written to the local store; tried again at the next evaluation",
      );
      return;
    }
    this.buffered = [];
    this.savedState = json;
    if (rows.length) this.dispatcher.wake();
  }

  start(): void {
    this.dispatcher.wake();
    this.maintenance = this.clock.setInterval(() => this.outbox.forgetDoneBefore(this.clock.now() - this.settings.retention), MAINTENANCE_EVERY_MS);
  }

  reconfigure(settings: NotifierSettings): void {
    this.settings = settings;
    this.transports.close();
    this.transports = new Transports(settings.notify);
    this.report();
    this.dispatcher.retryNow();
  }

  async stop(): Promise<void> {
    this.maintenance?.();
    this.maintenance = undefined;
    await this.dispatcher.stop(STOP_TIMEOUT_MS);
    this.transports.close();
  }

  /** Every recipient's channel that has had something to send since the start, with its failures in a row. */
  lanes(): readonly LaneState[] {
    return this.dispatcher.laneStates();
  }

  recent(limit: number): NotificationRow[] {
    return this.outbox.recent(limit);
  }

  /** `notify` on /healthz: degraded while a channel fails, with what its server said. */
  private report(): void {
    const recipients = Object.keys(this.settings.notify.recipients).length;
    if (!Object.keys(this.settings.notify.recipients).some((r) => this.transports.of(r)?.length)) {
      this.health.set("notify", "disabled", { detail: "no recipient has a channel in notify.recipients: notifications are only logged" });
      return;
    }
    const failing = this.dispatcher.laneStates().filter((l) => l.streak > 0);
    const pending = this.outbox.lanes().reduce((n, l) => n + l.pending, 0);
    const info = { pending, failing: failing.map((l) => `${l.channel} for ${l.recipient}`) };
    if (failing.length === 0) this.health.set("notify", "ok", { detail: `${recipients} recipient${recipients === 1 ? "" : "s"}`, info });
    else this.health.set("notify", "degraded", { detail: failing.map((l) => `${l.channel} for ${l.recipient}: ${l.lastError}`).join("; "), info });
  }
}
