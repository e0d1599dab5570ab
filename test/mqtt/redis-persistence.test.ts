import { execFileSync } from "node:child_process";
import { afterAll, describe } from "vitest";
import { createStore } from "../../src/mqtt/persistence/index.js";
import { runAbstractPersistenceSuite } from "../helpers/abstract-persistence.js";

/**
 * The Redis store exactly as Hearth opens it (its own connection, key prefix and retry limits,
 * src/mqtt/persistence/index.ts) against aedes-persistence's abstract suite. Each test gets a key
 * prefix of its own, so it starts from an empty store without flushing the machine's Redis
 * (aedes-persistence-redis' own tests FLUSHALL); every key is removed afterwards.
 */
const base = `hearth-abstract:${process.pid}:${Date.now()}:`;
let n = 0;

afterAll(() => {
  const keys = execFileSync("redis-cli", ["--scan", "--pattern", `${base}*`])
    .toString()
    .split("\n")
    .filter(Boolean);
  if (keys.length) execFileSync("redis-cli", ["del", ...keys]);
});

describe("Redis broker store: aedes-persistence's abstract suite", () => {
  runAbstractPersistenceSuite(
    () =>
      createStore({ type: "redis", url: "redis://127.0.0.1:6379/0", key_prefix: `${base}${++n}:` }, "", {
        onQueueFull: () => undefined,
        onError: (err) => {
          throw err;
        },
      }).store,
  );
});
