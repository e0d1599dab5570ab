import { INTEGRATIONS_BY_TYPE } from "../integrations/registry.js";
import { registerAlertsApi } from "./alerts/api.js";
import { registerQuietApi } from "./alerts/quiet-api.js";
import { AlertEngine } from "./alerts/engine.js";
import { logAlertEvents } from "./alerts/log-sink.js";
import { RecentAlertEvents } from "./alerts/recent-events.js";
import { systemClock, type Clock } from "./kit/clock.js";
import { changedPaths } from "./config-kit/diff.js";
import type { Loaded } from "./config/load.js";
import { Health } from "./kit/health.js";
import { registerEventsApi } from "./http/api-events.js";
import { registerDashboardsApi } from "./http/api-dashboards.js";
import { registerHouseApi } from "./http/api-house.js";
import { HomeAssistantAnnouncer } from "./home-assistant/announcer.js";
import { publishThrough } from "./home-assistant/broker-publish.js";
import { Moments } from "./home-assistant/feed.js";
import { registerSeriesApi } from "./http/api-series.js";
import { HttpServer } from "./http/server.js";
import { IntegrationHost } from "./integration-host/host.js";
import type { Logger } from "./kit/log.js";
import { Bridges } from "./mqtt/bridge/bridges.js";
import { Broker, type MessageHandler } from "./mqtt/broker.js";
import { registerNotifyApi } from "./notify/api.js";
import { Notifier } from "./notify/notifier.js";
import { HubSelfFacts } from "./notify/self-facts.js";
import { assembleProcessing, type Processing } from "./assembly/assemble.js";
import { alertSettingsOf, notifierSettingsOf, sinkSettingsOf } from "./assembly/sections.js";
import type { Pipeline } from "./pipeline/pipeline.js";
import { DatadogEvents } from "./sinks/datadog/events.js";
import { HostTags } from "./sinks/datadog/host-tags.js";
import { Forwarding } from "./sinks/forwarding.js";
import { DemoPhone } from "./simulator/phone.js";
import type { Simulator } from "./simulator/simulator.js";
import { Store } from "./store/store.js";
import { Telemetry } from "./kit/telemetry.js";
import { VERSION } from "./kit/version.js";

const rulesForDiff = ({ rules: r }: Loaded) => ({
  presets: [...r.presets],
  mappings: r.mappings,
  appliances: [...r.appliances],
  people: [...r.people],
  tanks: [...r.tanks],
  monitors: r.monitors,
  calendars: r.calendars,
});

interface HubOptions {
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
  readonly bridges: Bridges;
  readonly http: HttpServer;
  readonly alerts: AlertEngine;
  readonly integrations: IntegrationHost;
  readonly store: Store;
  readonly forwarding: Forwarding;
  readonly datadogEvents: DatadogEvents;
  private readonly hostTags: HostTags;
  readonly notifier: Notifier;
  readonly recentEvents = new RecentAlertEvents();
  /** The demo's webhook receiver, when the simulator is on. */
  readonly phone: DemoPhone | undefined;
  readonly homeAssistant: HomeAssistantAnnouncer;
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
    const mqttLog = this.log.child({ module: "mqtt" });
    const onMessage: MessageHandler = (topic, payload, _retain, userProperties) => this.pipeline.handleMessage(topic, payload, userProperties);
    this.broker = new Broker({
      config: config.mqtt,
      storageDir: config.storage.dir,
      onMessage,
      log: mqttLog,
      health: this.health,
      telemetry: this.telemetry,
      clock: this.clock,
    });
    this.bridges = new Bridges({
      broker: this.broker,
      clock: this.clock,
      log: mqttLog,
      health: this.health,
      telemetry: this.telemetry,
      hostName: config.host ?? "hearth",
    });
    this.http = new HttpServer(config.http, config.host, this.health, this.telemetry, this.log.child({ module: "http" }), () => this.about());
    this.store = Store.open(config.storage, this.clock, this.telemetry, this.health, this.log.child({ module: "store" }), { thread: true });
    this.forwarding = new Forwarding(sinkSettingsOf(config), this.store, this.clock, this.telemetry, this.health, this.log.child({ module: "sinks" }));
    // The points are written on the store's thread; the sinks hear of them once they are on disk.
    this.pipeline.onFlush((points, at) => void this.store.append(points, at).then(() => this.forwarding.wake()));
    this.datadogEvents = new DatadogEvents(sinkSettingsOf(config), this.store, this.clock, this.telemetry, this.log.child({ module: "sinks" }));
    this.hostTags = new HostTags(sinkSettingsOf(config), this.clock, this.health, this.log.child({ module: "sinks" }));
    registerSeriesApi(this.http.app, () => this.pipeline.aggregator, this.store, this.clock);
    const alertLog = this.log.child({ module: "alerts" });
    this.notifier = new Notifier({
      settings: notifierSettingsOf(config),
      store: this.store,
      clock: this.clock,
      telemetry: this.telemetry,
      health: this.health,
      log: this.log.child({ module: "notify" }),
    });
    const logEvent = logAlertEvents(alertLog);
    const monitorsSettled = new Moments();
    const selfFacts = new HubSelfFacts({
      health: this.health,
      store: this.store,
      storage: () => this.loaded.config.storage,
      lanes: () => this.notifier.lanes(),
    });
    this.alerts = new AlertEngine({
      settings: alertSettingsOf(opts.loaded),
      pipeline: this.pipeline,
      presence: this.processing.presence,
      clock: this.clock,
      telemetry: this.telemetry,
      log: alertLog,
      emit: (e) => {
        logEvent(e);
        this.recentEvents.add(e);
        this.notifier.accept(e);
        this.datadogEvents.accept(e);
      },
      state: this.notifier.savedEngineState(),
      selfFacts,
      stateSink: this.notifier,
      onSettled: () => monitorsSettled.tell(),
    });
    registerAlertsApi(this.http.app, this.alerts);
    registerQuietApi(this.http.app, this.alerts);
    registerNotifyApi(this.http.app, this.notifier);
    registerEventsApi(this.http.app, this.recentEvents);
    registerHouseApi(this.http.app, () => this.loaded.rules.tanks);
    registerDashboardsApi(
      this.http.app,
      () => this.loaded.rules.dashboards,
      this.store,
      this.clock,
      () => this.loaded.config.host ?? "",
    );
    if (config.simulator?.enabled) {
      this.phone = new DemoPhone(() => this.clock.now());
      this.phone.register(this.http.app);
    }
    this.homeAssistant = new HomeAssistantAnnouncer(config.home_assistant, {
      feed: { onSample: (l) => this.pipeline.onSample(l), onMonitorsSettled: (l) => monitorsSettled.on(l), monitorGroups: () => this.alerts.alerts() },
      publish: publishThrough(this.broker),
      log: this.log.child({ module: "home-assistant" }),
      clock: this.clock,
      host: config.host ?? "hearth",
      version: VERSION,
    });
    this.integrations = new IntegrationHost({
      registry: INTEGRATIONS_BY_TYPE,
      clock: this.clock,
      health: this.health,
      telemetry: this.telemetry,
      log: this.log.child({ module: "integrations" }),
      addSample: (s) => this.pipeline.addSample(s),
    });
  }

  /** Starts a hub; if any part fails to start, what did start is stopped again and the error is rethrown. */
  static async start(opts: HubOptions): Promise<Hub> {
    const hub = new Hub(opts);
    try {
      hub.store.start();
      hub.forwarding.start();
      hub.datadogEvents.start();
      hub.hostTags.start();
      hub.pipeline.start();
      hub.notifier.start();
      hub.alerts.start();
      await hub.broker.start();
      hub.bridges.start(hub.loaded.config.mqtt.bridges);
      hub.homeAssistant.start();
      await hub.http.start();
      await hub.startSimulator();
      hub.integrations.start(hub.loaded.config.integrations);
    } catch (err) {
      await hub.stop().catch(() => undefined);
      throw err;
    }
    hub.log.info({ host: hub.loaded.config.host, mqtt_port: hub.broker.port, http_port: hub.http.port, version: VERSION }, "Hearth is running");
    return hub;
  }

  /** The clock every part runs on: the wall clock, or the demo's story clock. */
  get now(): number {
    return this.clock.now();
  }

  get config() {
    return this.loaded.config;
  }

  private about(): Record<string, unknown> {
    return {
      host: this.loaded.config.host,
      version: VERSION,
      uptime_s: Math.round((this.clock.now() - this.startedAt) / 1000),
      // The status page reads times in the hub's zone, against the hub's clock (the demo's is story time).
      now: new Date(this.clock.now()).toISOString(),
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      ports: { ...this.broker.ports(), http: this.http.port },
    };
  }

  private async startSimulator(): Promise<void> {
    const sim = this.loaded.config.simulator;
    if (!sim?.enabled) return;
    // The demo's simulated house (and its MQTT client) is loaded only when it is on.
    const { Simulator } = await import("./simulator/simulator.js");
    const host = this.loaded.config.mqtt.host === "0.0.0.0" ? "127.0.0.1" : this.loaded.config.mqtt.host;
    this.simulator = new Simulator(sim, `mqtt://${host}:${this.broker.port}`, this.clock, this.log.child({ module: "simulator" }));
    await this.simulator.start();
  }

  /**
   * Puts a new, already validated configuration in force without a restart. Listeners move only
   * when their address changed; rules and tags apply to the next message. Returns what changed.
   */
  async reload(next: Loaded): Promise<string[]> {
    const changes = [...changedPaths(this.loaded.config, next.config), ...changedPaths(rulesForDiff(this.loaded), rulesForDiff(next), "rules", 1)];
    const previous = this.loaded;
    this.loaded = next;
    this.processing.reconfigure(next);
    this.notifier.reconfigure(notifierSettingsOf(next.config));
    this.alerts.reconfigure(alertSettingsOf(next));
    this.store.reconfigure(next.config.storage);
    this.forwarding.reconfigure(sinkSettingsOf(next.config));
    this.datadogEvents.reconfigure(sinkSettingsOf(next.config));
    this.hostTags.reconfigure(sinkSettingsOf(next.config));
    await this.broker.reconfigure(next.config.mqtt);
    await this.bridges.reconfigure(next.config.mqtt.bridges);
    await this.homeAssistant.reconfigure(next.config.home_assistant);
    await this.http.reconfigure(next.config.http, next.config.host);
    if (JSON.stringify(previous.config.simulator) !== JSON.stringify(next.config.simulator)) {
      await this.simulator?.stop();
      this.simulator = undefined;
      await this.startSimulator();
    }
    const restarted = await this.integrations.reconfigure(next.config.integrations);
    if (restarted.length) this.log.info({ instances: restarted }, `Integration instances started, restarted or stopped: ${restarted.join(", ")}`);
    this.log.info({ changes }, changes.length ? `Reloaded configuration: ${changes.join(", ")}` : "Reloaded configuration: nothing changed");
    return changes;
  }

  /** Stops accepting, flushes what the pipeline holds, and closes every part in reverse order. */
  async stop(): Promise<void> {
    await this.integrations.stop();
    await this.simulator?.stop();
    await this.http.stop();
    await this.homeAssistant.stop();
    await this.bridges.stop();
    await this.broker.stop();
    this.alerts.stop();
    this.pipeline.stop();
    this.processing.stop();
    await this.store.idle();
    await this.forwarding.stop();
    await this.datadogEvents.stop();
    this.hostTags.stop();
    await this.notifier.stop();
    await this.store.close();
    this.log.info("Hearth stopped");
  }
}
