import type { Counter } from "prom-client";
import type { Clock } from "../kit/clock.js";
import { DeliveryLane } from "../kit/delivery-lane.js";
import { RateLimitedLog, type Logger } from "../kit/log.js";
import { backoffDelay, EQUAL_JITTER } from "../kit/backoff.js";
import type { Message } from "./message.js";
import type { NotificationRow, NotificationOutbox } from "./outbox.js";
import type { Transports } from "./transports/index.js";

interface DeliveryMetrics {
  /** Notifications dealt with, by channel and how: sent, failed, expired, dropped. */
  done: Counter<"channel" | "status">;
  /** Attempts that failed and will be retried, by channel and code. */
  retries: Counter<"channel" | "code">;
}

interface DispatcherSettings {
  retry: { min: number; max: number };
  maxAge: number;
  statusUrl: string | undefined;
  host: string;
}

interface DispatcherOptions {
  outbox: NotificationOutbox;
  /** Read at each send, so a reload applies to what waits. */
  transports: () => Transports;
  settings: () => DispatcherSettings;
  clock: Clock;
  metrics: DeliveryMetrics;
  log: Logger;
  /** Something changed that /healthz and the hearth.notify_failing monitor show. */
  changed: () => void;
}

/** One recipient's channel: notifications go out one at a time, oldest first, so a recovery never overtakes its alert. */
export interface LaneState {
  recipient: string;
  channel: string;
  /** Its sending loop. */
  delivery: DeliveryLane;
  /** Failed attempts of the notification at the head, for its backoff. */
  attempt: number;
  /** Failed attempts in a row on this lane, whichever notification; a success resets it. */
  streak: number;
  lastError: string | undefined;
  failingSince: number | undefined;
}

const laneKey = (recipient: string, channel: string) => `${recipient}\u0000${channel}`;

/**
 * Delivers the outbox: per recipient and channel, the oldest pending notification goes out; when
 * its server accepts it, it is marked sent and the next follows. A failure keeps it at the head
 * and retries it with capped exponential backoff on the injected clock, while the other lanes go
 * on. Nothing here holds state that the outbox does not: a restart picks up where it stopped.
 */
export class Dispatcher {
  private readonly lanes = new Map<string, LaneState>();
  private stopping = false;
  private readonly abort = new AbortController();
  private readonly warnLog: RateLimitedLog;

  constructor(private readonly o: DispatcherOptions) {
    this.warnLog = new RateLimitedLog(() => o.clock.now(), 1);
  }

  /** Every lane known since the start, with its failure streak. */
  laneStates(): readonly LaneState[] {
    return [...this.lanes.values()];
  }

  /** New notifications were written: each idle lane with something pending sends now. */
  wake(): void {
    if (this.stopping) return;
    for (const l of this.o.outbox.lanes()) {
      this.lane(l.recipient, l.channel).delivery.wake();
    }
  }

  /** A new configuration (corrected credentials, a server back): waiting lanes try again at once. */
  retryNow(): void {
    for (const lane of this.lanes.values()) {
      lane.delivery.cancelRetry();
      lane.attempt = 0;
    }
    this.wake();
  }

  /** Lets sends in flight finish (each is bounded by notify.timeout, and this by `timeoutMs`), then stops. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    for (const lane of this.lanes.values()) lane.delivery.cancelRetry();
    const running = [...this.lanes.values()].flatMap((l) => (l.delivery.current ? [l.delivery.current] : []));
    if (running.length === 0) return;
    const cancel = this.o.clock.setTimeout(() => this.abort.abort(), timeoutMs);
    await Promise.allSettled(running);
    cancel();
  }

  private lane(recipient: string, channel: string): LaneState {
    const key = laneKey(recipient, channel);
    let lane = this.lanes.get(key);
    if (!lane) {
      // After a restart in the middle of an outage, the streak goes on from what the outbox remembers.
      const attempts = this.o.outbox.head(recipient, channel)?.attempts ?? 0;
      const state: LaneState = {
        recipient,
        channel,
        delivery: new DeliveryLane(
          this.o.clock,
          () => this.drain(state),
          () => !this.stopping,
          // A notification written while this drain was finishing would otherwise wait for the next wake.
          () => {
            if (!this.stopping && !state.delivery.retryScheduled && this.o.outbox.head(recipient, channel)) this.wake();
          },
        ),
        attempt: attempts,
        streak: attempts,
        lastError: undefined,
        failingSince: undefined,
      };
      lane = state;
      this.lanes.set(key, lane);
    }
    return lane;
  }

  private message(row: NotificationRow): Message {
    const { statusUrl, host } = this.o.settings();
    return {
      id: row.id,
      createdAt: row.created_at,
      kind: row.kind,
      ...(row.monitor !== null ? { monitor: row.monitor } : {}),
      ...(row.grp !== null ? { group: row.grp } : {}),
      ...(row.state !== null ? { state: row.state as Message["state"] } : {}),
      priority: row.priority,
      title: row.title,
      body: row.body,
      ...(statusUrl ? { url: statusUrl } : {}),
      host,
    };
  }

  private async drain(lane: LaneState): Promise<void> {
    const { outbox, clock, metrics, log } = this.o;
    for (;;) {
      if (this.stopping) return;
      const row = outbox.head(lane.recipient, lane.channel);
      if (!row) return;
      const now = clock.now();
      const who = { notification: row.id, recipient: row.recipient, channel: row.channel };
      if (now - row.created_at > this.o.settings().maxAge) {
        outbox.expire(row.id, now);
        metrics.done.inc({ channel: row.channel, status: "expired" });
        log.error(
          { ...who, code: "HEARTH_E_NOTIFY_EXPIRED", last_error: row.last_error },
          `Gave up "${row.title}" for ${row.recipient} by ${row.channel} after notify.max_age: ${row.last_error ?? "never delivered"}`,
        );
        lane.attempt = 0;
        continue;
      }
      const channel = this.o.transports().channel(row.recipient, row.channel);
      if (!channel) {
        outbox.drop(row.id, "the recipient no longer has this channel", now);
        metrics.done.inc({ channel: row.channel, status: "dropped" });
        log.warn(who, `Dropped "${row.title}": ${row.recipient} no longer has a ${row.channel} channel in notify.recipients`);
        continue;
      }
      const outcome = await channel.send(this.message(row), now, this.abort.signal);
      const after = clock.now();
      switch (outcome.kind) {
        case "delivered":
          outbox.finish(row.id, "sent", outcome.answer, null, after);
          metrics.done.inc({ channel: row.channel, status: "sent" });
          if (lane.failingSince !== undefined)
            log.info({ ...who, failed_for_ms: after - lane.failingSince }, `${channel.describe} for ${row.recipient} works again; sending what waited`);
          log.info({ ...who, answer: outcome.answer }, `Sent "${row.title}" to ${row.recipient} by ${channel.describe}`);
          lane.attempt = 0;
          lane.streak = 0;
          lane.lastError = undefined;
          lane.failingSince = undefined;
          this.o.changed();
          continue;
        case "rejected":
          outbox.finish(row.id, "failed", null, outcome.answer, after);
          metrics.done.inc({ channel: row.channel, status: "failed" });
          log.error(
            { ...who, code: "HEARTH_E_NOTIFY_REJECTED", answer: outcome.answer },
            `${channel.describe} for ${row.recipient} refused "${row.title}" for good: ${outcome.answer}`,
          );
          lane.attempt = 0;
          lane.streak++;
          lane.lastError = outcome.answer;
          this.o.changed();
          continue;
        case "retry": {
          outbox.failedAttempt(row.id, outcome.answer);
          metrics.retries.inc({ channel: row.channel, code: outcome.code });
          const { min, max } = this.o.settings().retry;
          const delay = Math.max(backoffDelay(lane.attempt, min, max, EQUAL_JITTER), Math.min(max, outcome.retryAfterMs ?? 0));
          lane.attempt++;
          lane.streak++;
          lane.lastError = outcome.answer;
          lane.failingSince ??= after;
          if (this.warnLog.allow(laneKey(lane.recipient, lane.channel)).ok)
            log.warn(
              { ...who, code: outcome.code, answer: outcome.answer, attempt: lane.attempt, retry_in_ms: delay },
              `${channel.describe} for ${row.recipient}: ${outcome.answer}; "${row.title}" waits in the outbox, next try in ${Math.round(delay / 1000)}s`,
            );
          this.o.changed();
          if (this.stopping) return;
          lane.delivery.retryIn(delay);
          return;
        }
      }
    }
  }
}
