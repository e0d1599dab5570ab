import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ManualClock } from "../../src/kit/clock.js";
import { HearthError } from "../../src/kit/errors.js";
import { Health } from "../../src/kit/health.js";
import { defineIntegration, type InstanceCommon, type Integration, type IntegrationContext } from "../../src/integration-host/contract.js";
import { IntegrationHost } from "../../src/integration-host/host.js";
import { silentLogger } from "../../src/kit/log.js";
import type { Sample } from "../../src/pipeline/sample.js";
import { Telemetry } from "../../src/kit/telemetry.js";

/** A server the test controls: whether it answers, and a collection the test finishes by hand. */
class FakeServer {
  up = true;
  starts = 0;
  stops = 0;
  signals: AbortSignal[] = [];
  contexts: IntegrationContext<{ interval: number }>[] = [];
  pending: (() => void)[] = [];
  runs = 0;
  /** Start never settles while set: a server that accepts the connection and says nothing. */
  hang = false;
}

function fakeIntegration(server: FakeServer): Integration {
  return defineIntegration({
    manifest: { name: "fake", title: "Fake" },
    configSchema: z.strictObject({ interval: z.number().default(10_000) }),
    async start(ctx) {
      server.starts++;
      server.signals.push(ctx.signal);
      server.contexts.push(ctx);
      if (server.hang) await new Promise(() => undefined);
      if (!server.up) throw new HearthError("HEARTH_E_INTEGRATION_UNREACHABLE", "connection refused");
      ctx.every(ctx.config.interval, () => {
        server.runs++;
        ctx.emit.gauge("fake.value", server.runs, ["k:v"]);
        return new Promise<void>((resolve) => server.pending.push(resolve));
      });
      return server;
    },
    stop(runtime) {
      runtime.stops++;
      return Promise.resolve();
    },
    probe() {
      return Promise.resolve("fake");
    },
  });
}

const instance = (extra: Record<string, unknown> = {}): InstanceCommon & Record<string, unknown> => ({
  type: "fake",
  enabled: true,
  tags: ["site:lab"],
  start_timeout: 5_000,
  interval: 10_000,
  ...extra,
});

function makeHost(servers: Record<string, FakeServer>) {
  const clock = new ManualClock(Date.parse("2025-01-01T00:00:00Z"));
  const health = new Health(() => clock.now());
  const telemetry = new Telemetry();
  const samples: Sample[] = [];
  const registry: Record<string, Integration> = Object.fromEntries(Object.entries(servers).map(([type, s]) => [type, fakeIntegration(s)]));
  const host = new IntegrationHost({
    clock,
    health,
    telemetry,
    log: silentLogger(),
    addSample: (s) => samples.push(s),
    registry,
    backoff: { initialMs: 1_000, maxMs: 8_000 },
  });
  const metric = async (name: string) => (await telemetry.registry.getSingleMetric(name)!.get()).values;
  return { clock, health, telemetry, samples, host, metric };
}

const settle = () => new Promise((r) => setImmediate(r));

describe("integration host", () => {
  it("runs a collection now and on its interval, skips (and counts) one that is due while the last still runs, and adds the instance's tags", async () => {
    const server = new FakeServer();
    const { clock, host, samples, metric, health } = makeHost({ fake: server });
    host.start({ a: instance() });
    await settle();
    expect(health.get("integration:a")?.state).toBe("ok");
    expect(server.runs).toBe(1);
    expect(samples[0]).toMatchObject({ metric: "fake.value", value: 1, tags: ["k:v", "site:lab"], kind: "gauge" });

    clock.advance(10_000); // due while run 1 is still going: skipped, not stacked
    clock.advance(10_000);
    expect(server.runs).toBe(1);
    expect((await metric("hearth_integration_skipped_runs_total"))[0]).toMatchObject({ value: 2, labels: { instance: "a" } });

    server.pending.shift()!();
    await settle();
    clock.advance(10_000);
    expect(server.runs).toBe(2);
    await host.stop();
  });

  it("reports an unreachable instance as degraded and retries it with doubling, capped waits, while another instance keeps running", async () => {
    const down = new FakeServer();
    down.up = false;
    const fine = new FakeServer();
    const { clock, host, health, samples } = makeHost({ fake: down, other: fine });
    host.start({ broken: instance(), good: instance({ type: "other" }) });
    await settle();
    expect(health.get("integration:broken")).toMatchObject({
      state: "degraded",
      detail: "connection refused",
      info: { code: "HEARTH_E_INTEGRATION_UNREACHABLE", retry_in_ms: 1000 },
    });
    expect(health.get("integration:good")?.state).toBe("ok");
    expect(health.status()).toBe("degraded");

    const startsAfter: number[] = [];
    for (const wait of [1_000, 2_000, 4_000, 8_000, 8_000]) {
      clock.advance(wait - 1);
      await settle();
      startsAfter.push(down.starts);
      clock.advance(1);
      await settle();
    }
    // Each retry came exactly when its wait was over, not a millisecond before.
    expect(startsAfter).toEqual([1, 2, 3, 4, 5]);
    expect(down.starts).toBe(6);

    down.up = true;
    clock.advance(8_000);
    await settle();
    expect(health.get("integration:broken")?.state).toBe("ok");
    expect(samples.some((s) => s.metric === "fake.value")).toBe(true);
    await host.stop();
  });

  it("gives up on a start that hangs past start_timeout, aborts its signal and retries", async () => {
    const server = new FakeServer();
    server.hang = true;
    const { clock, host, health, metric } = makeHost({ fake: server });
    host.start({ slow: instance({ start_timeout: 2_000 }) });
    await settle();
    expect(health.get("integration:slow")?.state).toBe("starting");
    clock.advance(2_000);
    await settle();
    expect(health.get("integration:slow")).toMatchObject({ state: "degraded", info: { code: "HEARTH_E_INTEGRATION_START_TIMEOUT" } });
    expect(server.signals[0]!.aborted).toBe(true);
    expect((await metric("hearth_integration_failures_total"))[0]).toMatchObject({
      value: 1,
      labels: { instance: "slow", code: "HEARTH_E_INTEGRATION_START_TIMEOUT" },
    });
    server.hang = false;
    clock.advance(1_000);
    await settle();
    expect(health.get("integration:slow")?.state).toBe("ok");
    await host.stop();
  });

  it("restarts an instance that fails at runtime: the old attempt's timers and signal are released and its late emits dropped", async () => {
    const server = new FakeServer();
    const { clock, host, health, samples } = makeHost({ fake: server });
    host.start({ a: instance() });
    await settle();
    const first = server.contexts[0]!;
    first.fail(new HearthError("HEARTH_E_INTEGRATION_FAILED", "stream dropped"));
    await settle();
    expect(health.get("integration:a")).toMatchObject({ state: "degraded", detail: "stream dropped" });
    expect(server.signals[0]!.aborted).toBe(true);
    expect(server.stops).toBe(1);
    const before = samples.length;
    first.emit.gauge("fake.value", 99);
    clock.advance(999);
    expect(server.runs).toBe(1); // the old interval timer is gone
    expect(samples.length).toBe(before);
    clock.advance(1);
    await settle();
    expect(server.starts).toBe(2);
    expect(health.get("integration:a")?.state).toBe("ok");
    await host.stop();
  });

  it("keeps what an instance asks it to keep across its restarts, and starts afresh when its configuration changes", async () => {
    const server = new FakeServer();
    const { clock, host } = makeHost({ fake: server });
    host.start({ a: instance() });
    await settle();
    const sent = server.contexts[0]!.keep("sent", () => new Map<string, string>());
    sent.set("Stove_Power", "120 W");
    server.contexts[0]!.fail(new HearthError("HEARTH_E_INTEGRATION_FAILED", "stream dropped"));
    clock.advance(1_000);
    await settle();
    expect(server.starts).toBe(2);
    expect(server.contexts[1]!.keep("sent", () => new Map<string, string>()).get("Stove_Power")).toBe("120 W");

    await host.reconfigure({ a: instance({ interval: 5_000 }) });
    await settle();
    expect(server.starts).toBe(3);
    expect(server.contexts[2]!.keep("sent", () => new Map<string, string>()).size).toBe(0);
    await host.stop();
  });

  it("on reload restarts only the instances whose configuration changed, and stop leaves no timer behind", async () => {
    const server = new FakeServer();
    const { clock, host, health } = makeHost({ fake: server });
    host.start({ a: instance(), b: instance() });
    await settle();
    expect(server.starts).toBe(2);
    const touched = await host.reconfigure({ a: instance(), b: instance({ interval: 5_000 }), c: instance() });
    await settle();
    expect(touched).toEqual(["b", "c"]);
    expect(server.starts).toBe(4);
    expect(server.stops).toBe(1);
    expect(server.signals.map((s) => s.aborted)).toEqual([false, true, false, false]);

    expect(await host.reconfigure({ a: instance() })).toEqual(["b", "c"]);
    expect(health.get("integration:b")).toBeUndefined();
    await host.stop();
    expect(server.stops).toBe(4);
    expect(clock.nextTimerAt()).toBeUndefined();
  });
});
