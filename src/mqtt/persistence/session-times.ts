/**
 * When each MQTT 5 session with a Session Expiry Interval ends, kept beside aedes' own store so
 * a restart can honour it: aedes 2 holds session expiry (and will delay) timers in memory only
 * (aedes.js scheduleSessionExpiry, scheduleWill) and clears them on close.
 */
export interface SessionTime {
  /** Session Expiry Interval in seconds, as in force when the connection ended (0xFFFFFFFF: never). */
  expiry: number;
  /** When the connection ended (ms since the epoch); null while it is open. */
  endedAt: number | null;
}

export interface SessionTimes {
  put(clientId: string, time: SessionTime): Promise<void>;
  delete(clientId: string): Promise<void>;
  all(): Promise<Map<string, SessionTime>>;
}

/** The ioredis calls used; the connection already carries Hearth's key prefix. */
interface RedisHashes {
  hset(key: string, field: string, value: string): Promise<unknown>;
  hdel(key: string, field: string): Promise<unknown>;
  hgetall(key: string): Promise<Record<string, string>>;
}

const KEY = "session-times";

/** One hash, `<key_prefix>session-times`, field per client id. */
export function redisSessionTimes(conn: RedisHashes): SessionTimes {
  return {
    put: async (clientId, time) => void (await conn.hset(KEY, clientId, JSON.stringify(time))),
    delete: async (clientId) => void (await conn.hdel(KEY, clientId)),
    async all() {
      const out = new Map<string, SessionTime>();
      for (const [clientId, text] of Object.entries(await conn.hgetall(KEY))) out.set(clientId, JSON.parse(text) as SessionTime);
      return out;
    },
  };
}
