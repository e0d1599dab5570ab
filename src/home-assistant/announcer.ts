import type { Cancel, Clock } from "../kit/clock.js";
import { describeError } from "../kit/errors.js";
import { RateLimitedLog, type Logger } from "../kit/log.js";
import type { Sample } from "../pipeline/sample.js";
import { AVAILABLE, NOT_AVAILABLE, availabilityTopic, configTopic, discoveryConfig, stateTopic, type Announcing } from "./discovery.js";
import { monitorEntity, sampleEntity, type Entity } from "./entities.js";
import type { HouseFeed, Publish } from "./feed.js";
import type { HomeAssistantConfig } from "./schema.js";

interface AnnouncerDeps {
  feed: HouseFeed;
  publish: Publish;
  log: Logger;
  clock: Clock;
  host: string;
  version: string;
}

interface Shown {
  entity: Entity;
  config: string;
  state: string | undefined;
}

/**
 * With `home_assistant.discovery` on, Hearth announces what it knows as Home Assistant
 * entities: retained discovery configs, retained states, and Hearth's availability (online
 * from start to stop). An entity is announced when its first value is known; a monitor
 * group that is gone (its monitor removed on reload) is removed with an empty retained
 * config. Stopping keeps the entities (Home Assistant shows them unavailable); turning
 * discovery off removes them. Messages leave one after another, in the order they were made.
 */
export class HomeAssistantAnnouncer {
  private readonly shown = new Map<string, Shown>();
  private subscriptions: Cancel[] = [];
  private sending: Promise<void> = Promise.resolve();
  private readonly failures: RateLimitedLog;

  constructor(
    private config: HomeAssistantConfig,
    private readonly deps: AnnouncerDeps,
  ) {
    this.failures = new RateLimitedLog(() => deps.clock.now());
  }

  private get announcing(): Announcing {
    return { prefix: this.config.prefix, host: this.deps.host, version: this.deps.version };
  }

  start(): void {
    if (!this.config.discovery || this.subscriptions.length > 0) return;
    this.send(availabilityTopic(this.announcing), AVAILABLE);
    const { feed } = this.deps;
    this.subscriptions = [feed.onSample((s) => this.sample(s)), feed.onMonitorsSettled(() => this.syncMonitors())];
    this.syncMonitors();
    this.deps.log.info(
      { prefix: this.config.prefix, availability_topic: availabilityTopic(this.announcing) },
      `Announcing Hearth's entities to Home Assistant under ${this.config.prefix}/`,
    );
  }

  private sample(s: Sample): void {
    const shown = sampleEntity(s);
    if (shown) this.show(shown.entity, shown.state);
  }

  private syncMonitors(): void {
    const present = new Set<string>();
    for (const g of this.deps.feed.monitorGroups()) {
      const { entity, state } = monitorEntity(g);
      present.add(entity.objectId);
      this.show(entity, state);
    }
    for (const [id, s] of this.shown) if (s.entity.monitor !== undefined && !present.has(id)) this.remove(id, s);
  }

  private show(entity: Entity, state: string): void {
    const a = this.announcing;
    let s = this.shown.get(entity.objectId);
    const config = JSON.stringify(discoveryConfig(a, entity));
    if (!s || s.config !== config) {
      s = { entity, config, state: s?.state };
      this.shown.set(entity.objectId, s);
      this.send(configTopic(a, entity), config);
    }
    if (s.state === state) return;
    s.state = state;
    this.send(stateTopic(a, entity), state);
  }

  private remove(id: string, s: Shown): void {
    this.shown.delete(id);
    // An empty retained message clears the retained one (MQTT 3.1.1 §3.3.1.3, MQTT 5 §3.3.1.3), and for Home Assistant removes the entity.
    this.send(configTopic(this.announcing, s.entity), "");
    this.send(stateTopic(this.announcing, s.entity), "");
  }

  private send(topic: string, payload: string): void {
    this.sending = this.sending.then(() =>
      this.deps.publish(topic, payload, true).catch((err: unknown) => {
        if (this.failures.allow("publish").ok)
          this.deps.log.warn({ topic, err: describeError(err) }, `A Home Assistant announcement on ${topic} could not be published`);
      }),
    );
  }

  /** A changed section: off removes every entity, a new prefix moves them. */
  async reconfigure(next: HomeAssistantConfig): Promise<void> {
    if (JSON.stringify(next) === JSON.stringify(this.config)) return;
    if (this.subscriptions.length > 0) {
      for (const [id, s] of this.shown) this.remove(id, s);
      this.unsubscribe();
      this.send(availabilityTopic(this.announcing), NOT_AVAILABLE);
      await this.sending;
    }
    this.config = next;
    this.start();
  }

  private unsubscribe(): void {
    for (const cancel of this.subscriptions) cancel();
    this.subscriptions = [];
  }

  /** Says Hearth is going away; the entities stay, shown unavailable until the next start. */
  async stop(): Promise<void> {
    if (this.subscriptions.length === 0) return this.sending;
    this.unsubscribe();
    this.send(availabilityTopic(this.announcing), NOT_AVAILABLE);
    await this.sending;
  }
}
