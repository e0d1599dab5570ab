import type { Clock } from "../kit/clock.js";
import type { SinkSettings } from "./settings.js";
import type { Health } from "../kit/health.js";
import type { Logger } from "../kit/log.js";
import type { Store } from "../store/store.js";
import type { Telemetry } from "../kit/telemetry.js";
import { DatadogSink } from "./datadog/sink.js";
import { DogStatsdSink } from "./dogstatsd/sink.js";
import { UdpTransport, UnixStreamTransport } from "./dogstatsd/transport.js";
import { createSinkMetrics, type SinkMetrics } from "./metrics.js";
import { ForwardPolicy } from "./policy.js";
import { SinkRunner } from "./runner.js";
import type { Sink } from "./sink.js";

/** A sink the configuration asks for, and the settings that, when changed, make a new one. */
interface Wanted {
  settings: string;
  create: () => Sink;
}

/**
 * The sinks the configuration enables (Datadog's API, DogStatsD, either or both), each drained
 * from the store by its own runner. Built, rebuilt on reload and stopped from the hub.
 */
export class Forwarding {
  private readonly runners = new Map<string, { runner: SinkRunner; settings: string }>();
  private readonly policy: ForwardPolicy;
  private readonly metrics: SinkMetrics;
  private config: SinkSettings;

  constructor(
    config: SinkSettings,
    private readonly store: Store,
    private readonly clock: Clock,
    telemetry: Telemetry,
    private readonly health: Health,
    private readonly log: Logger,
  ) {
    this.config = config;
    this.policy = new ForwardPolicy(config.forward, log, clock);
    this.metrics = createSinkMetrics(
      telemetry,
      () => [...this.runners.values()].map((r) => r.runner),
      () => clock.now(),
    );
  }

  start(): void {
    this.apply();
  }

  /** Points were stored: every sink that is idle sends them now. */
  wake(): void {
    for (const { runner } of this.runners.values()) runner.wake();
  }

  reconfigure(config: SinkSettings): void {
    this.config = config;
    this.policy.reconfigure(config.forward);
    this.apply();
  }

  /** One last send per sink, bounded by forward.shutdown_timeout. */
  async stop(): Promise<void> {
    await Promise.all([...this.runners.values()].map(({ runner }) => runner.stop(this.config.forward.shutdown_timeout)));
    this.runners.clear();
  }

  private wanted(): Map<string, Wanted> {
    const c = this.config;
    const host = c.host;
    const wanted = new Map<string, Wanted>();
    const dd = c.datadog;
    if (dd.enabled && dd.api_key) {
      const settings = { apiKey: dd.api_key, site: dd.site ?? "datadoghq.com", url: dd.url, host, timeout: dd.timeout };
      wanted.set("datadog", { settings: JSON.stringify(settings), create: () => new DatadogSink(settings, this.clock) });
    } else {
      this.health.set("datadog", "disabled", {
        detail: dd.enabled ? "no API key (datadog.api_key or DD_API_KEY): points are kept in the local store only" : "datadog.enabled is false",
      });
    }
    const ds = c.dogstatsd;
    if (ds?.enabled) {
      const settings = { socket: ds.socket, host: ds.host, port: ds.port, tagHost: host };
      wanted.set("dogstatsd", {
        settings: JSON.stringify(settings),
        create: () => new DogStatsdSink(ds.socket ? new UnixStreamTransport(ds.socket) : new UdpTransport(ds.host, ds.port), host),
      });
    } else {
      this.health.set("dogstatsd", "disabled", { detail: ds ? "dogstatsd.enabled is false" : "not configured (dogstatsd: in config/hearth.yaml)" });
    }
    return wanted;
  }

  private apply(): void {
    const wanted = this.wanted();
    for (const [name, { runner }] of this.runners) {
      if (wanted.has(name)) continue;
      runner.halt();
      this.runners.delete(name);
      this.log.info({ sink: name }, `Stopped forwarding to ${name}; its place in the store is kept`);
    }
    for (const [name, want] of wanted) {
      const current = this.runners.get(name);
      if (current?.settings === want.settings) continue;
      if (current) {
        current.runner.replaceSink(want.create());
        current.settings = want.settings;
        this.log.info({ sink: name }, `Forwarding to ${name} with the new settings`);
        continue;
      }
      this.metrics.prime(name);
      const runner = new SinkRunner(want.create(), {
        store: this.store,
        policy: this.policy,
        metrics: this.metrics,
        clock: this.clock,
        health: this.health,
        log: this.log,
        backoff: () => this.config.forward.backoff,
      });
      this.runners.set(name, { runner, settings: want.settings });
      this.log.info({ sink: name, pending: runner.pending() }, `Forwarding to ${name}`);
    }
    this.store.setActiveSinks([...this.runners.keys()]);
    this.wake();
  }
}
