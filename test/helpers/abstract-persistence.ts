import assert from "node:assert";
import { createRequire } from "node:module";
import { expect, it } from "vitest";

/**
 * aedes-persistence ships the abstract test suite every aedes persistence must pass
 * (abstract.js, written for node:test). It runs unchanged under vitest: each of its tests becomes
 * a vitest test, with a `t` that offers what the suite uses (assert, plan, diagnostic) and checks
 * the planned number of assertions the way node:test does.
 */

type NodeTestContext = { assert: typeof assert; plan(n: number): void; diagnostic(msg: string): void };
type AbstractSuite = (opts: {
  test: (name: string, fn: (t: NodeTestContext) => Promise<void>) => void;
  persistence: () => unknown;
  testAsync: boolean;
}) => void;

const abstractPersistence = createRequire(import.meta.url)("aedes-persistence/abstract.js") as AbstractSuite;

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

/** Runs aedes-persistence's abstract suite; `persistence` must return a fresh, empty store each call. */
export function runAbstractPersistenceSuite(persistence: () => unknown): void {
  abstractPersistence({ test: asVitest, persistence, testAsync: true });
}
