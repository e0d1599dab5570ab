import type { Clock } from "../kit/clock.js";
import type { Health } from "../kit/health.js";
import type { Logger } from "../kit/log.js";
import type { Sample } from "../pipeline/sample.js";
import type { Telemetry } from "../kit/telemetry.js";
import { DEFAULT_BACKOFF, type BackoffPolicy } from "./backoff.js";
import type { InstanceCommon, Integration } from "./contract.js";
import { InstanceRunner } from "./instance.js";
import { HostTelemetry } from "./telemetry.js";

type InstancesConfig = Readonly<Record<string, InstanceCommon>>;

interface HostOptions {
  clock: Clock;
  health: Health;
  telemetry: Telemetry;
  log: Logger;
  /** Where every emitted sample goes: the pipeline, which names, tags and aggregates it. */
  addSample: (sample: Sample) => void;
  backoff?: BackoffPolicy;
  /** The integrations by type (integrations/registry.ts), handed in by the hub. */
  registry: Readonly<Record<string, Integration>>;
}

/**
 * Runs the configured integration instances side by side. Each one is isolated: it starts on
 * its own (the hub does not wait for a slow server), fails on its own (degraded on /healthz,
 * retried with backoff) and never stops the others or the broker. A reload restarts only the
 * instances whose configuration changed.
 */
export class IntegrationHost {
  private readonly runners = new Map<string, InstanceRunner>();
  private readonly telemetry: HostTelemetry;
  private readonly registry: Readonly<Record<string, Integration>>;

  constructor(private readonly opts: HostOptions) {
    this.telemetry = new HostTelemetry(opts.telemetry);
    this.registry = opts.registry;
  }

  /** Launches every instance and returns at once; each reports its own state on /healthz. */
  start(instances: InstancesConfig): void {
    for (const [name, config] of Object.entries(instances)) this.launch(name, config);
  }

  /** Puts a new set of instances in force; returns the names that were started, restarted or stopped. */
  async reconfigure(next: InstancesConfig): Promise<string[]> {
    const touched: string[] = [];
    for (const [name, runner] of [...this.runners]) {
      const wanted = next[name];
      if (wanted && JSON.stringify(wanted) === JSON.stringify(runner.config)) continue;
      await this.remove(name, runner, wanted?.type);
      touched.push(name);
    }
    for (const [name, config] of Object.entries(next)) {
      if (this.runners.has(name)) continue;
      this.launch(name, config);
      if (!touched.includes(name)) touched.push(name);
    }
    return touched.sort();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.runners].map(([name, runner]) => this.remove(name, runner, undefined)));
  }

  private launch(name: string, config: InstanceCommon): void {
    const integration = this.registry[config.type];
    if (!integration) throw new Error(`no integration "${config.type}" is registered (instance "${name}")`);
    const runner = new InstanceRunner(name, config, integration, {
      clock: this.opts.clock,
      health: this.opts.health,
      log: this.opts.log.child({ integration: config.type, instance: name }),
      telemetry: this.telemetry.forInstance(name, config.type),
      backoff: this.opts.backoff ?? DEFAULT_BACKOFF,
      addSample: this.opts.addSample,
    });
    this.runners.set(name, runner);
    runner.start();
  }

  private async remove(name: string, runner: InstanceRunner, nextType: string | undefined): Promise<void> {
    this.runners.delete(name);
    await runner.stop();
    if (nextType !== runner.config.type) this.telemetry.forget(name, runner.config.type);
  }
}
