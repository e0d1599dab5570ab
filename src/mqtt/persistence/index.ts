import { createRequire } from "node:module";
import path from "node:path";
import type { PersistenceConfig } from "../schema.js";
import { redisSessionTimes, type SessionTimes } from "./session-times.js";
import { SqlitePersistence } from "./sqlite.js";

/** What aedes needs of a persistence, plus `destroy`, which Hearth calls after aedes has closed. */
export interface BrokerStore {
  setup(broker: unknown): Promise<void>;
  destroy(): Promise<void> | void;
}

const require = createRequire(import.meta.url);
// Both packages are CommonJS factories without types for their default export. Each is required
// when chosen, so a house on the SQLite default does not carry a Redis client in memory.
type MemoryPersistence = () => BrokerStore;
type RedisPersistence = (options: { conn: RedisConnection }) => BrokerStore;

interface RedisConnection {
  on(event: "error", listener: (err: Error) => void): this;
  hset(key: string, field: string, value: string): Promise<unknown>;
  hdel(key: string, field: string): Promise<unknown>;
  hgetall(key: string): Promise<Record<string, string>>;
}
/**
 * The Redis client aedes-persistence-redis itself depends on, taken from there so both agree on
 * its version. Hearth makes the connection so it can listen for its errors: without a listener
 * the client prints every failed reconnection to stderr, past the log.
 */
const redisClient = () => createRequire(require.resolve("aedes-persistence-redis"))("ioredis") as new (options: Record<string, unknown>) => RedisConnection;

export interface StoreChoice {
  store: BrokerStore;
  /** When MQTT 5 sessions end, in the same place; none for the memory store, which a restart forgets anyway. */
  sessionTimes: SessionTimes | undefined;
  /** For the log and /healthz: where retained messages and sessions live. Never holds a password. */
  where: string;
}

/** redis://[user:password@]host:port/db as ioredis options. */
function redisOptions(url: string, keyPrefix: string): Record<string, unknown> {
  const u = new URL(url);
  const db = Number(u.pathname.replace(/^\//, "") || "0");
  return {
    host: u.hostname || "127.0.0.1",
    port: Number(u.port || 6379),
    db: Number.isInteger(db) ? db : 0,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    keyPrefix,
    // Fail a command after a few reconnection attempts instead of holding the broker forever while Redis is away.
    maxRetriesPerRequest: 3,
    connectTimeout: 5_000,
  };
}

const withoutPassword = (url: string): string => {
  const u = new URL(url);
  u.password = "";
  return u.toString();
};

/** Builds the store `mqtt.persistence` asks for; see README "The broker" for why SQLite is the default. */
interface StoreEvents {
  /** A message for an offline session did not fit its queue. */
  onQueueFull: (clientId: string) => void;
  /** The store's connection failed (Redis away); the broker keeps running. */
  onError: (err: Error) => void;
}

export function createStore(cfg: PersistenceConfig, storageDir: string, events: StoreEvents): StoreChoice {
  switch (cfg.type) {
    case "sqlite": {
      const file = cfg.file ?? path.join(storageDir, "broker.db");
      const store = new SqlitePersistence({ file, maxQueuedMessages: cfg.max_queued_messages, onQueueFull: events.onQueueFull });
      return { store, sessionTimes: store, where: `sqlite ${file}` };
    }
    case "redis": {
      const Redis = redisClient();
      const redisPersistence = require("aedes-persistence-redis") as RedisPersistence;
      const conn = new Redis(redisOptions(cfg.url, cfg.key_prefix)).on("error", events.onError);
      return { store: redisPersistence({ conn }), sessionTimes: redisSessionTimes(conn), where: `redis ${withoutPassword(cfg.url)} (keys ${cfg.key_prefix}*)` };
    }
    case "memory":
      return memoryStore();
  }
}

/** aedes' own in-memory store: the `memory` choice, and where the broker starts when its SQLite file cannot be written. */
export function memoryStore(): StoreChoice {
  return { store: (require("aedes-persistence") as MemoryPersistence)(), sessionTimes: undefined, where: "memory (forgotten on restart)" };
}
