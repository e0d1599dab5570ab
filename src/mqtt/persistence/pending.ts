import type { BrokerStore } from "./index.js";

/** A store whose writes can be waited for: what a graceful stop needs before it closes the store. */
export interface TrackedStore {
  store: BrokerStore;
  /** Resolves once no call to the store is under way, including calls made while waiting. */
  settled(): Promise<void>;
  /** Counts another write (one beside aedes' interface) among those `settled` waits for. */
  track: <T>(p: Promise<T>) => Promise<T>;
}

/**
 * Wraps an aedes persistence so every call that returns a promise is remembered until it
 * settles. aedes does not wait for its own writes when it closes: it acknowledges a QoS 1
 * publish before storing it (aedes lib/handlers/publish.js writes the PUBACK, then publishes),
 * and deletes wills and expired sessions without waiting (lib/client.js, aedes.js). Closing the
 * store right after `aedes.close()` would drop those writes — with Redis, the messages queued for
 * an offline session in the last moments before a stop.
 *
 * Methods run on the store itself, not the wrapper: aedes-persistence-redis keeps its state in
 * private class fields, which only the real instance can reach.
 */
export function trackPending(target: BrokerStore): TrackedStore {
  const pending = new Set<Promise<unknown>>();
  const remember = (result: unknown): unknown => {
    if (!(result instanceof Promise)) return result;
    const tracked = result.finally(() => pending.delete(tracked));
    // The caller handles the outcome of `result`; this copy only marks when it is over.
    tracked.catch(() => undefined);
    pending.add(tracked);
    return result;
  };
  const wrapped = new Map<PropertyKey, unknown>();
  const store = new Proxy(target, {
    get(obj, prop) {
      const value = Reflect.get(obj, prop) as unknown;
      if (typeof value !== "function") return value;
      // aedes checks that setup is an async function, which a bound one still is; it runs before any client.
      if (prop === "setup") return (value as (...a: unknown[]) => unknown).bind(obj);
      let fn = wrapped.get(prop);
      if (!fn) wrapped.set(prop, (fn = (...args: unknown[]) => remember((value as (...a: unknown[]) => unknown).apply(obj, args))));
      return fn;
    },
  });
  return {
    store,
    track: <T>(p: Promise<T>) => remember(p) as Promise<T>,
    async settled() {
      // A settled call may start the next one (aedes queues a message once it has read the
      // subscribers, sometimes a tick later), so look again until a turn of the loop starts none.
      do {
        while (pending.size > 0) await Promise.allSettled([...pending]);
        await new Promise((resolve) => setImmediate(resolve));
      } while (pending.size > 0);
    },
  };
}
