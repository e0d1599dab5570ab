import type { Aedes, PublishPacket } from "aedes";
import type { BrokerStore } from "./persistence/index.js";
import type { SessionTime, SessionTimes } from "./persistence/session-times.js";

/** 0xFFFFFFFF: the session does not expire [MQTT-3.1.2-23]. */
const NEVER = 0xffffffff;
const MAX_TIMER = 2 ** 31 - 1;

interface V5Client {
  id: string;
  version: number | null;
  sessionExpiryInterval: number;
  /** The CONNECT's Clean Start flag, as aedes keeps it. */
  _cleanStart?: boolean;
}

/** The parts of an aedes persistence used here (aedes-persistence's asyncPersistence.js interface). */
interface Store extends BrokerStore {
  cleanSubscriptions(client: { id: string }): Promise<void>;
  streamWill(brokers?: Record<string, unknown>): AsyncIterable<Will> | Iterable<Will>;
  delWill(client: { id: string; brokerId: string }): Promise<unknown>;
  putWill(client: { id: string }, packet: Will): Promise<void>;
}
type Will = PublishPacket & { clientId: string; brokerId: string; properties?: { willDelayInterval?: number } };

/**
 * Keeps MQTT 5 session expiry and will delay across a restart of Hearth. aedes 2 times both in
 * memory only; this records when each session's connection ended (in `SessionTimes`, beside the
 * store) and, at start, before any client can connect:
 * - wipes the sessions whose expiry passed while Hearth was down, and times the others out after
 *   the time they have left, unless their client comes back first;
 * - publishes the wills whose delay (or session) ran out while Hearth was down, and the others
 *   after the delay they have left, unless their client comes back first [MQTT-3.1.3-9]; one that
 *   comes back with Clean Start ends the session, and the will goes then [MQTT-3.1.2-8].
 * A session whose connection was open when Hearth ended without stopping (a crash, a power cut)
 * has no end time: it counts from this start.
 */
export class SessionRestore {
  private readonly timers = new Map<string, NodeJS.Timeout[]>();
  /** The restored wills still waiting for their delay, by client id. */
  private readonly waitingWills = new Map<string, Will>();

  constructor(
    private readonly aedes: Aedes,
    private readonly store: Store,
    private readonly times: SessionTimes,
    /** Every write, so a stop can wait for it (persistence/pending.ts). */
    private readonly track: <T>(p: Promise<T>) => Promise<T>,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Records session ends from now on, and restores what the previous run left. */
  async start(): Promise<void> {
    const times = await this.times.all();
    const now = Date.now();
    this.follow();
    for (const will of await collect(this.store.streamWill({}))) await this.restoreWill(will, times.get(will.clientId), now);
    for (const [clientId, time] of times) this.restoreSession(clientId, time, now);
  }

  stop(): void {
    for (const list of this.timers.values()) for (const timer of list) clearTimeout(timer);
    this.timers.clear();
    this.waitingWills.clear();
  }

  private follow(): void {
    const write = (p: Promise<void>) => void this.track(p).catch((err: Error) => this.onError(err));
    this.aedes.on("client", (c) => {
      const client = c as unknown as V5Client;
      const will = this.waitingWills.get(client.id);
      this.cancel(client.id);
      // The new connection's own will is in the store already: it stays.
      if (will && client._cleanStart) void this.publishWill(will, false);
      write(
        client.version === 5 && client.sessionExpiryInterval > 0
          ? this.times.put(client.id, { expiry: client.sessionExpiryInterval, endedAt: null })
          : this.times.delete(client.id),
      );
    });
    this.aedes.on("clientDisconnect", (c) => {
      const client = c as unknown as V5Client;
      // (A taken-over connection ends too; the new one's "client" event follows and marks the session open.)
      // The interval as in force at the end: a DISCONNECT may have changed it [MQTT-3.14.2-2].
      write(
        client.version === 5 && client.sessionExpiryInterval > 0
          ? this.times.put(client.id, { expiry: client.sessionExpiryInterval, endedAt: Date.now() })
          : this.times.delete(client.id),
      );
    });
    this.aedes.on("sessionExpired", (c) => write(this.times.delete((c as unknown as V5Client).id)));
  }

  private restoreSession(clientId: string, time: SessionTime, now: number): void {
    if (time.expiry >= NEVER) return;
    const left = (time.endedAt ?? now) + time.expiry * 1000 - now;
    if (left <= 0) void this.wipe(clientId);
    else this.later(clientId, left, () => void this.wipe(clientId));
  }

  private async restoreWill(will: Will, time: SessionTime | undefined, now: number): Promise<void> {
    // The will goes when its delay has passed or the session ends, whichever comes first [MQTT-3.1.2-8]; 3.1.1 wills have no delay.
    const delay = Math.min(will.properties?.willDelayInterval ?? 0, time ? time.expiry : 0);
    const left = (time?.endedAt ?? now) + delay * 1000 - now;
    if (left <= 0) return this.publishWill(will);
    // Under this run's broker id, so a client that comes back replaces it, and aedes' sweep of other brokers' wills leaves it.
    await this.track(this.store.delWill({ id: will.clientId, brokerId: will.brokerId }));
    await this.track(this.store.putWill({ id: will.clientId }, will));
    this.waitingWills.set(will.clientId, will);
    this.later(will.clientId, left, () => void this.publishWill({ ...will, brokerId: this.aedes.id }));
  }

  private async publishWill(will: Will, dropStored = true): Promise<void> {
    try {
      const { clientId, brokerId, ...packet } = will;
      this.waitingWills.delete(clientId);
      await this.track(new Promise<void>((resolve, reject) => this.aedes.publish(packet as PublishPacket, (err) => (err ? reject(err) : resolve()))));
      if (dropStored) await this.track(this.store.delWill({ id: clientId, brokerId }));
    } catch (err) {
      this.onError(err as Error);
    }
  }

  private async wipe(clientId: string): Promise<void> {
    try {
      await this.track(this.store.cleanSubscriptions({ id: clientId }));
      await this.track(this.store.delWill({ id: clientId, brokerId: this.aedes.id }));
      await this.track(this.times.delete(clientId));
    } catch (err) {
      this.onError(err as Error);
    }
  }

  /** Runs `fn` after `ms` unless the client connects first; a wait beyond what one timer holds (24.8 days) is made of several, as aedes' armLongTimer does. */
  private later(clientId: string, ms: number, fn: () => void): void {
    const step = Math.min(ms, MAX_TIMER);
    const timer = setTimeout(() => {
      this.timers.set(
        clientId,
        (this.timers.get(clientId) ?? []).filter((t) => t !== timer),
      );
      if (ms > step) return this.later(clientId, ms - step, fn);
      if (!(clientId in (this.aedes as unknown as { clients: Record<string, unknown> }).clients)) fn();
    }, step);
    timer.unref();
    this.timers.set(clientId, [...(this.timers.get(clientId) ?? []), timer]);
  }

  private cancel(clientId: string): void {
    for (const timer of this.timers.get(clientId) ?? []) clearTimeout(timer);
    this.timers.delete(clientId);
    this.waitingWills.delete(clientId);
  }
}

async function collect<T>(items: AsyncIterable<T> | Iterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
