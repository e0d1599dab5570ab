import assert from "node:assert";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SqlitePersistence } from "../../src/mqtt/persistence/sqlite.js";

/**
 * aedes-persistence ships the abstract test suite every aedes persistence must pass
 * (abstract.js, written for node:test). It runs here unchanged: each of its tests becomes a
 * vitest test, with a `t` that offers what the suite uses (assert, plan, diagnostic) and checks
 * the planned number of assertions the way node:test does.
 */

type NodeTestContext = { assert: typeof assert; plan(n: number): void; diagnostic(msg: string): void };
type AbstractSuite = (opts: { test: (name: string, fn: (t: NodeTestContext) => Promise<void>) => void; persistence: () => unknown; testAsync: boolean }) => void;

const abstractPersistence = createRequire(import.meta.url)("aedes-persistence/abstract.js") as AbstractSuite;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hearth-broker-store-"));
let n = 0;

function asVitest(name: string, fn: (t: NodeTestContext) => Promise<void>): void {
  it(name, async () => {
    let planned: number | undefined;
    let made = 0;
    const counting = new Proxy(assert, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          made++;
          return (value as (...a: unknown[]) => unknown)(...args);
        };
      },
    });
    await fn({ assert: counting, plan: (p) => (planned = p), diagnostic: () => undefined });
    if (planned !== undefined) expect(made, "assertions made, as planned by the suite").toBe(planned);
  });
}

describe("SQLite broker store: aedes-persistence's abstract suite", () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  abstractPersistence({
    test: asVitest,
    persistence: () => new SqlitePersistence({ file: path.join(dir, `store-${++n}.db`) }),
    testAsync: true,
  });
});
