// aedes 2 calls its persistence through async methods (it refuses a `setup` that is not an
// AsyncFunction, aedes.js) and these methods must report failure as a rejection, not a throw,
// so they stay `async` although better-sqlite3 answers synchronously.
/* eslint-disable @typescript-eslint/require-await */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Readable } from "node:stream";
import { deserialize, serialize } from "node:v8";
import Database, { type Database as Db, type Statement } from "better-sqlite3";
import { levelsMatch, levelsOf, literalPrefix } from "../topic.js";
import type { SessionTime, SessionTimes } from "./session-times.js";

/**
 * An aedes persistence on SQLite: retained messages, the subscriptions of persistent sessions,
 * their queued QoS 1/2 messages, QoS 2 messages awaiting PUBREL and wills, in one file that
 * survives a restart. It implements the asynchronous interface aedes 2 calls
 * (aedes-persistence 10.3's `asyncPersistence.js` is the reference, and its abstract test suite
 * runs against this class in test/mqtt/sqlite-persistence.test.ts).
 *
 * better-sqlite3 is synchronous: each call is one short transaction on a WAL database, which
 * costs tens of microseconds and keeps the order of operations exactly the order aedes asked.
 * Packets are stored with `v8.serialize` (Buffers, MQTT 5 properties and all), a format Node
 * documents as backward compatible and safe to store on disk.
 */

type Packet = Record<string, unknown> & {
  topic: string;
  payload: Buffer | string;
  messageId?: number;
  brokerId?: string;
  brokerCounter?: number;
  qos?: number;
};
type PacketCtor = new (p: object, broker?: object) => Packet;
/** aedes-packet's constructor, re-exported by aedes-persistence: normalises a packet the way aedes expects when it queues one. */
const AedesPacket = (createRequire(import.meta.url)("aedes-persistence") as { Packet: PacketCtor }).Packet;

interface Client {
  id: string;
}
interface Subscription {
  topic: string;
  qos: number;
  rh?: number;
  rap?: boolean;
  nl?: boolean;
  subscriptionIdentifier?: number;
}
interface TopicSubscription {
  clientId: string;
  topic: string;
  qos: number;
  rh?: number | undefined;
  rap?: boolean | undefined;
  nl?: boolean | undefined;
}
interface Broker {
  id: string;
}

const SCHEMA_VERSION = 1;
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS retained (topic TEXT PRIMARY KEY, packet BLOB NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS subscriptions (
    client_id TEXT NOT NULL, topic TEXT NOT NULL, qos INTEGER NOT NULL, options BLOB NOT NULL,
    UNIQUE (client_id, topic));
  CREATE TABLE IF NOT EXISTS outgoing (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL,
    broker_id TEXT, broker_counter INTEGER, message_id INTEGER, packet BLOB NOT NULL);
  CREATE INDEX IF NOT EXISTS outgoing_by_client ON outgoing (client_id, seq);
  CREATE TABLE IF NOT EXISTS incoming (
    client_id TEXT NOT NULL, message_id INTEGER NOT NULL, packet BLOB NOT NULL,
    PRIMARY KEY (client_id, message_id)) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS wills (client_id TEXT PRIMARY KEY, broker_id TEXT NOT NULL, packet BLOB NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS session_times (client_id TEXT PRIMARY KEY, expiry INTEGER NOT NULL, ended_at INTEGER) WITHOUT ROWID;
`;

/** Larger than any character that can follow a prefix, so `[prefix, prefix + MAX_CHAR)` is every topic starting with it. */
const MAX_CHAR = "\u{10ffff}";

const pack = (v: unknown): Buffer => serialize(v);
const unpack = <T>(b: Buffer): T => deserialize(b) as T;

/**
 * Subscriptions with QoS > 0, held in memory to answer "who must get a queued copy of this
 * message" on every QoS 1/2 publish without touching the disk. Filters without wildcards are
 * looked up directly; the few with wildcards are matched one by one.
 */
class SubscriptionIndex {
  private readonly exact = new Map<string, Map<string, TopicSubscription>>();
  private readonly wild = new Map<string, { levels: string[]; subs: Map<string, TopicSubscription> }>();
  count = 0;

  add(sub: TopicSubscription): void {
    const map = this.bucket(sub.topic, true)!;
    if (!map.has(sub.clientId)) this.count++;
    map.set(sub.clientId, sub);
  }

  remove(topic: string, clientId: string): void {
    const map = this.bucket(topic, false);
    if (map?.delete(clientId)) this.count--;
  }

  /** Wildcard subscriptions first, then the exact ones: the order aedes' own in-memory store answers in. */
  match(topic: string): TopicSubscription[] {
    const out: TopicSubscription[] = [];
    if (this.wild.size > 0) {
      const levels = levelsOf(topic);
      for (const w of this.wild.values()) if (levelsMatch(w.levels, levels)) out.push(...w.subs.values());
    }
    const exact = this.exact.get(topic);
    if (exact) out.push(...exact.values());
    return out;
  }

  private bucket(topic: string, create: boolean): Map<string, TopicSubscription> | undefined {
    const wildcard = topic.includes("+") || topic.includes("#");
    if (!wildcard) {
      let m = this.exact.get(topic);
      if (!m && create) this.exact.set(topic, (m = new Map<string, TopicSubscription>()));
      return m;
    }
    let w = this.wild.get(topic);
    if (!w && create) this.wild.set(topic, (w = { levels: levelsOf(topic), subs: new Map() }));
    return w?.subs;
  }
}

interface SqlitePersistenceOptions {
  file: string;
  /** Queued messages kept per offline session; beyond this, new ones are dropped. */
  maxQueuedMessages?: number;
  /** Told about every message dropped because a session's queue was full. */
  onQueueFull?: (clientId: string) => void;
}

export class SqlitePersistence implements SessionTimes {
  private db: Db | undefined;
  private statements: ReturnType<typeof prepare> | undefined;
  private readonly index = new SubscriptionIndex();
  private readonly queued = new Map<string, number>();
  private destroyed = false;
  private brokerRef: Broker | undefined;

  constructor(private readonly options: SqlitePersistenceOptions) {}

  /** aedes checks that `setup` is an async function before it starts. */
  async setup(broker: Broker): Promise<void> {
    this.brokerRef = broker;
    fs.mkdirSync(path.dirname(this.options.file), { recursive: true });
    const db = new Database(this.options.file);
    try {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      // Retained messages and sessions are small: 2 MB of page cache instead of better-sqlite3's 16 MB.
      db.pragma("cache_size = -2000");
      const version = db.pragma("user_version", { simple: true }) as number;
      if (version > SCHEMA_VERSION)
        throw new Error(`${this.options.file} was written by a newer Hearth (broker store version ${version}); this one understands version ${SCHEMA_VERSION}`);
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    } catch (err) {
      // A file that cannot be set up (a full disk, a newer version) is closed, so the broker can start on another store.
      db.close();
      throw err;
    }
    this.db = db;
    this.statements = prepare(db);
    for (const row of this.statements.allQosSubscriptions.all() as { client_id: string; topic: string; options: Buffer }[]) {
      this.index.add({ clientId: row.client_id, topic: row.topic, ...pick(unpack<Subscription>(row.options)) });
    }
    for (const row of this.statements.queueSizes.all() as { client_id: string; n: number }[]) this.queued.set(row.client_id, row.n);
  }

  get broker(): Broker | undefined {
    return this.brokerRef;
  }

  private get s(): ReturnType<typeof prepare> {
    if (!this.statements) throw new Error("the broker store is not open");
    return this.statements;
  }

  async storeRetained(packet: Packet): Promise<void> {
    if (packet.payload.length === 0) this.s.deleteRetained.run(packet.topic);
    else this.s.putRetained.run(packet.topic, pack({ ...packet }));
  }

  createRetainedStream(pattern: string): Readable {
    return this.createRetainedStreamCombi([pattern]);
  }

  /** Each retained message once, even when several of the patterns match it. */
  createRetainedStreamCombi(patterns: string[]): Readable {
    const seen = new Set<string>();
    const out: Packet[] = [];
    for (const pattern of patterns) {
      const levels = levelsOf(pattern);
      const prefix = literalPrefix(pattern);
      for (const row of this.s.retainedFrom.all(prefix, prefix + MAX_CHAR) as { topic: string; packet: Buffer }[]) {
        if (seen.has(row.topic) || !levelsMatch(levels, levelsOf(row.topic))) continue;
        seen.add(row.topic);
        out.push(unpack<Packet>(row.packet));
      }
    }
    return Readable.from(out);
  }

  async addSubscriptions(client: Client, subs: Subscription[]): Promise<void> {
    this.db!.transaction(() => {
      for (const sub of subs) {
        const record: Subscription = { topic: sub.topic, qos: sub.qos, rh: sub.rh, rap: sub.rap, nl: sub.nl };
        // The MQTT 5 subscription identifier is kept only when present, so older subscriptions keep their exact shape.
        if (sub.subscriptionIdentifier !== undefined) record.subscriptionIdentifier = sub.subscriptionIdentifier;
        this.s.putSubscription.run(client.id, sub.topic, sub.qos, pack(record));
        if (sub.qos > 0) this.index.add({ clientId: client.id, topic: sub.topic, ...pick(record) });
        else this.index.remove(sub.topic, client.id);
      }
    })();
  }

  async removeSubscriptions(client: Client, topics: string[]): Promise<void> {
    this.db!.transaction(() => {
      for (const topic of topics) {
        this.s.deleteSubscription.run(client.id, topic);
        this.index.remove(topic, client.id);
      }
    })();
  }

  async subscriptionsByClient(client: Client): Promise<Subscription[]> {
    return (this.s.subscriptionsOf.all(client.id) as { options: Buffer }[]).map((r) => unpack<Subscription>(r.options));
  }

  async countOffline(): Promise<{ subsCount: number; clientsCount: number }> {
    const { n } = this.s.clientCount.get() as { n: number };
    return { subsCount: this.index.count, clientsCount: n };
  }

  async subscriptionsByTopic(topic: string): Promise<TopicSubscription[]> {
    return this.index.match(topic);
  }

  /** Also forgets the messages queued for the session, as aedes-persistence-redis does once a client has no subscription left. */
  async cleanSubscriptions(client: Client): Promise<void> {
    for (const row of this.s.subscriptionsOf.all(client.id) as { topic: string }[]) this.index.remove(row.topic, client.id);
    this.db!.transaction(() => {
      this.s.deleteSubscriptionsOf.run(client.id);
      this.s.deleteOutgoingOf.run(client.id);
    })();
    this.queued.delete(client.id);
  }

  // SessionTimes (session-times.ts): not part of aedes' interface, in the same file so one store holds a session whole.
  async put(clientId: string, time: SessionTime): Promise<void> {
    this.s.putSessionTime.run(clientId, time.expiry, time.endedAt);
  }

  async delete(clientId: string): Promise<void> {
    this.s.deleteSessionTime.run(clientId);
  }

  async all(): Promise<Map<string, SessionTime>> {
    const rows = this.s.allSessionTimes.all() as { client_id: string; expiry: number; ended_at: number | null }[];
    return new Map(rows.map((r) => [r.client_id, { expiry: r.expiry, endedAt: r.ended_at }]));
  }

  async outgoingEnqueue(sub: { clientId: string }, packet: Packet): Promise<void> {
    this.enqueue(sub.clientId, packet);
  }

  async outgoingEnqueueCombi(subs: { clientId: string }[], packet: Packet): Promise<void> {
    // aedes asks for every QoS 1/2 message, offline subscribers or not: no transaction for none.
    if (subs.length === 0) return;
    this.db!.transaction(() => {
      for (const sub of subs) this.enqueue(sub.clientId, packet);
    })();
  }

  private enqueue(clientId: string, packet: Packet): void {
    const n = this.queued.get(clientId) ?? 0;
    if (this.options.maxQueuedMessages !== undefined && n >= this.options.maxQueuedMessages) {
      this.options.onQueueFull?.(clientId);
      return;
    }
    const p = new AedesPacket(packet);
    this.s.enqueue.run(clientId, p.brokerId ?? null, p.brokerCounter ?? null, p.messageId ?? null, pack({ ...p }));
    this.queued.set(clientId, n + 1);
  }

  /**
   * The queued packet aedes is about to (re)send gets its message id; a packet of another
   * broker with the same message id is replaced (a PUBREL taking the place of its PUBLISH).
   */
  async outgoingUpdate(client: Client, packet: Packet): Promise<void> {
    const row = this.s.findOutgoing.get(client.id, packet.brokerId ?? null, packet.brokerCounter ?? null, packet.brokerId ?? null, packet.messageId ?? null) as
      { seq: number; broker_id: string | null; broker_counter: number | null; packet: Buffer } | undefined;
    if (!row) throw new Error("no such packet");
    const sameOrigin = row.broker_id === (packet.brokerId ?? null) && row.broker_counter === (packet.brokerCounter ?? null);
    const next = sameOrigin ? { ...unpack<Packet>(row.packet), messageId: packet.messageId } : { ...packet };
    this.s.updateOutgoing.run(next.brokerId ?? null, next.brokerCounter ?? null, next.messageId ?? null, pack(next), row.seq);
  }

  async outgoingClearMessageId(client: Client, packet: { messageId?: number }): Promise<Packet | undefined> {
    if (packet?.messageId === undefined) return undefined;
    const row = this.s.outgoingByMessageId.get(client.id, packet.messageId) as { seq: number; packet: Buffer } | undefined;
    if (!row) return undefined;
    this.s.deleteOutgoing.run(row.seq);
    this.queued.set(client.id, Math.max(0, (this.queued.get(client.id) ?? 1) - 1));
    return unpack<Packet>(row.packet);
  }

  outgoingStream(client: Client): Readable {
    return Readable.from((this.s.outgoingOf.all(client.id) as { packet: Buffer }[]).map((r) => unpack<Packet>(r.packet)));
  }

  async incomingStorePacket(client: Client, packet: Packet): Promise<void> {
    const p = new AedesPacket(packet);
    p.messageId = packet.messageId;
    this.s.putIncoming.run(client.id, packet.messageId, pack({ ...p }));
  }

  async incomingGetPacket(client: Client, packet: { messageId: number }): Promise<Packet> {
    const row = this.s.getIncoming.get(client.id, packet.messageId) as { packet: Buffer } | undefined;
    if (!row) throw new Error("no such packet");
    return unpack<Packet>(row.packet);
  }

  async incomingDelPacket(client: Client, packet: { messageId: number }): Promise<void> {
    if (this.s.deleteIncoming.run(client.id, packet.messageId).changes === 0) throw new Error("no such packet");
  }

  /** [MQTT-3.1.2-6] a clean session also forgets the QoS 2 messages the client left half-delivered. */
  async cleanIncoming(client: Client): Promise<void> {
    this.s.deleteIncomingOf.run(client.id);
  }

  async putWill(client: Client, packet: Packet): Promise<void> {
    packet.brokerId = this.brokerRef?.id;
    packet.clientId = client.id;
    this.s.putWill.run(client.id, packet.brokerId ?? "", pack({ ...packet }));
  }

  async getWill(client: Client): Promise<Packet | undefined> {
    const row = this.s.getWill.get(client.id) as { packet: Buffer } | undefined;
    return row ? unpack<Packet>(row.packet) : undefined;
  }

  async delWill(client: Client): Promise<Packet | undefined> {
    const will = await this.getWill(client);
    this.s.deleteWill.run(client.id);
    return will;
  }

  /** Wills of clients whose broker is not in `brokers`: after a restart, those left by the previous run. */
  streamWill(brokers: Record<string, unknown> = {}): Readable {
    const rows = this.s.allWills.all() as { broker_id: string; packet: Buffer }[];
    return Readable.from(rows.filter((r) => !(r.broker_id in brokers)).map((r) => unpack<Packet>(r.packet)));
  }

  getClientList(topic: string): Readable {
    return Readable.from((this.s.clientsOfTopic.all(topic) as { client_id: string }[]).map((r) => r.client_id));
  }

  async destroy(): Promise<void> {
    if (this.destroyed) throw new Error("destroyed called twice!");
    this.destroyed = true;
    this.db?.close();
    this.db = undefined;
    this.statements = undefined;
  }
}

const pick = (s: Subscription) => ({ qos: s.qos, rh: s.rh, rap: s.rap, nl: s.nl });

function prepare(db: Db) {
  const q = (sql: string): Statement => db.prepare(sql);
  return {
    putRetained: q("INSERT INTO retained (topic, packet) VALUES (?, ?) ON CONFLICT (topic) DO UPDATE SET packet = excluded.packet"),
    deleteRetained: q("DELETE FROM retained WHERE topic = ?"),
    retainedFrom: q("SELECT topic, packet FROM retained WHERE topic >= ? AND topic < ? ORDER BY topic"),
    putSubscription: q(
      "INSERT INTO subscriptions (client_id, topic, qos, options) VALUES (?, ?, ?, ?) ON CONFLICT (client_id, topic) DO UPDATE SET qos = excluded.qos, options = excluded.options",
    ),
    deleteSubscription: q("DELETE FROM subscriptions WHERE client_id = ? AND topic = ?"),
    deleteSubscriptionsOf: q("DELETE FROM subscriptions WHERE client_id = ?"),
    subscriptionsOf: q("SELECT topic, options FROM subscriptions WHERE client_id = ? ORDER BY rowid"),
    allQosSubscriptions: q("SELECT client_id, topic, options FROM subscriptions WHERE qos > 0 ORDER BY rowid"),
    clientCount: q("SELECT count(DISTINCT client_id) AS n FROM subscriptions"),
    clientsOfTopic: q("SELECT client_id FROM subscriptions WHERE topic = ? ORDER BY rowid"),
    enqueue: q("INSERT INTO outgoing (client_id, broker_id, broker_counter, message_id, packet) VALUES (?, ?, ?, ?, ?)"),
    queueSizes: q("SELECT client_id, count(*) AS n FROM outgoing GROUP BY client_id"),
    // The first queued packet that is either this very packet (same broker and counter) or another broker's packet under the same message id.
    findOutgoing: q(
      "SELECT seq, broker_id, broker_counter, packet FROM outgoing WHERE client_id = ? AND ((broker_id IS ? AND broker_counter IS ?) OR (broker_id IS NOT ? AND message_id IS ?)) ORDER BY seq LIMIT 1",
    ),
    updateOutgoing: q("UPDATE outgoing SET broker_id = ?, broker_counter = ?, message_id = ?, packet = ? WHERE seq = ?"),
    outgoingByMessageId: q("SELECT seq, packet FROM outgoing WHERE client_id = ? AND message_id = ? ORDER BY seq LIMIT 1"),
    deleteOutgoing: q("DELETE FROM outgoing WHERE seq = ?"),
    outgoingOf: q("SELECT packet FROM outgoing WHERE client_id = ? ORDER BY seq"),
    deleteOutgoingOf: q("DELETE FROM outgoing WHERE client_id = ?"),
    putSessionTime: q(
      "INSERT INTO session_times (client_id, expiry, ended_at) VALUES (?, ?, ?) ON CONFLICT (client_id) DO UPDATE SET expiry = excluded.expiry, ended_at = excluded.ended_at",
    ),
    deleteSessionTime: q("DELETE FROM session_times WHERE client_id = ?"),
    allSessionTimes: q("SELECT client_id, expiry, ended_at FROM session_times"),
    putIncoming: q(
      "INSERT INTO incoming (client_id, message_id, packet) VALUES (?, ?, ?) ON CONFLICT (client_id, message_id) DO UPDATE SET packet = excluded.packet",
    ),
    getIncoming: q("SELECT packet FROM incoming WHERE client_id = ? AND message_id = ?"),
    deleteIncoming: q("DELETE FROM incoming WHERE client_id = ? AND message_id = ?"),
    deleteIncomingOf: q("DELETE FROM incoming WHERE client_id = ?"),
    putWill: q(
      "INSERT INTO wills (client_id, broker_id, packet) VALUES (?, ?, ?) ON CONFLICT (client_id) DO UPDATE SET broker_id = excluded.broker_id, packet = excluded.packet",
    ),
    getWill: q("SELECT packet FROM wills WHERE client_id = ?"),
    deleteWill: q("DELETE FROM wills WHERE client_id = ?"),
    allWills: q("SELECT broker_id, packet FROM wills"),
  };
}
