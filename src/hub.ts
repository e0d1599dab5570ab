import { systemClock, type Clock } from "./clock.js";
import { changedPaths } from "./config/diff.js";
import type { Loaded } from "./config/load.js";
import { Health } from "./health.js";
import { registerSeriesApi } from "./http/api-series.js";
import { HttpServer } from "./http/server.js";
import type { Logger } from "./log.js";
import { Broker } from "./mqtt/broker.js";
import { assembleProcessing, type Processing } from "./pipeline/assemble.js";
import type { Pipeline } from "./pipeline/pipeline.js";
import { Forwarding } from "./sinks/forwarding.js";
import { Simulator } from "./simulator/simulator.js";
import { Store } from "./store/store.js";
import { Telemetry } from "./telemetry.js";
import { VERSION } from "./version.js";

export interface HubOptions {
  loaded: Loaded;
  log: Logger;
  clock?: Clock;
}

/**
 * The composition root: builds every part from a validated configuration, starts them in
 * order (pipeline, broker, HTTP, simulator) and stops them in reverse. No domain logic here.
 */
export class Hub {
  readonly telemetry = new Telemetry();
  readonly health: Health;
  readonly processing: Processing;
  readonly pipeline: Pipeline;
  readonly broker: Broker;
  readonly http: HttpServer;
  readonly store: Store;
  readonly forwarding: Forwarding;
  private simulator: Simulator | undefined;
  private loaded: Loaded;
  private readonly startedAt: number;
  private readonly clock: Clock;
  private readonly log: Logger;

  private constructor(opts: HubOptions) {
    this.loaded = opts.loaded;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log;
    this.startedAt = this.clock.now();
    const { config } = opts.loaded;
    this.health = new Health(() => this.clock.now());
    this.processing = assembleProcessing(opts.loaded, this.clock, this.telemetry, this.log);
    this.pipeline = this.processing.pipeline;
    this.broker = new Broker(config.mqtt, (topic, payload) => this.pipeline.handleMessage(topic, payload), this.log.child({ module: "mqtt" }), this.health, this.telemetry);
    this.http = new HttpServer(config.http, this.health, this.telemetry, this.log.child({ module: "http" }), () => this.about());
    this.store = Store.open(config.storage, this.clock, this.telemetry, this.health, this.log.child({ module: "store" }));
    this.forwarding = new Forwarding(config, this.store, this.clock, this.telemetry, this.health, this.log.child({ module: "sinks" }));
    this.pipeline.onFlush((points, at) => {
      this.store.append(points, at);
      this.forwarding.wake();
    });
    registerSeriesApi(this.http.app, () => this.pipeline.aggregator, this.store, this.clock);
  }

  /** Starts a hub; if any part fails to start, what did start is stopped again and the error is rethrown. */
  static async start(opts: HubOptions): Promise<Hub> {
    const hub = new Hub(opts);
    try {
      hub.store.start();
      hub.forwarding.start();
      hub.pipeline.start();
      await hub.broker.start();
      await hub.http.start();
      await hub.startSimulator();
    } catch (err) {
      await hub.stop().catch(() => undefined);
      throw err;
    }
    hub.log.info({ host: hub.loaded.config.host, mqtt_port: hub.broker.port, http_port: hub.http.port, version: VERSION }, "Hearth is running");
    return hub;
  }

  get config() {
    return this.loaded.config;
  }

  private about(): Record<string, unknown> {
    return {
      host: this.loaded.config.host,
      version: VERSION,
      uptime_s: Math.round((this.clock.now() - this.startedAt) / 1000),
      ports: { mqtt: this.broker.port, http: this.http.port },
    };
  }

  private async startSimulator(): Promise<void> {
    const sim = this.loaded.config.simulator;
    if (!sim?.enabled) return;
    const host = this.loaded.config.mqtt.host === "0.0.0.0" ? "127.0.0.1" : this.loaded.config.mqtt.host;
    this.simulator = new Simulator(sim, `mqtt://${host}:${this.broker.port}`, this.clock, this.log.child({ module: "simulator" }));
    await this.simulator.start();
  }

  /**
   * Puts a new, already validated configuration in force without a restart. Listeners move only
   * when their address changed; rules and tags apply to the next message. Returns what changed.
   */
  async reload(next: Loaded): Promise<string[]> {
    const changes = [
      ...changedPaths(this.loaded.config, next.config),
      ...changedPaths({ presets: [...this.loaded.rules.presets], mappings: this.loaded.rules.mappings }, { presets: [...next.rules.presets], mappings: next.rules.mappings }, "rules", 1),
    ];
    const previous = this.loaded;
    this.loaded = next;
    this.processing.reconfigure(next);
    this.store.reconfigure(next.config.storage);
    this.forwarding.reconfigure(next.config);
    await this.broker.reconfigure(next.config.mqtt);
    await this.http.reconfigure(next.config.http);
    if (JSON.stringify(previous.config.simulator) !== JSON.stringify(next.config.simulator)) {
      await this.simulator?.stop();
      this.simulator = undefined;
      await this.startSimulator();
    }
    this.log.info({ changes }, changes.length ? `Reloaded configuration: ${changes.join(", ")}` : "Reloaded configuration: nothing changed");
    return changes;
  }

  /** Stops accepting, flushes what the pipeline holds, and closes every part in reverse order. */
  async stop(): Promise<void> {
    await this.simulator?.stop();
    await this.http.stop();
    await this.broker.stop();
    this.pipeline.stop();
    this.processing.stop();
    await this.forwarding.stop();
    this.store.close();
    this.log.info("Hearth stopped");
  }
}
