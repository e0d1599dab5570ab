import { systemClock } from "../../src/kit/clock.js";
import { defineIntegration, type IntegrationContext } from "../../src/integration-host/contract.js";
import { readValue } from "../../src/pipeline/value.js";
import { OpenhabClient } from "./client.js";
import { eventTopics, parseEvent, type StreamEvent } from "./events.js";
import { itemTags, nameMatcher, readItem, type Item } from "./items.js";
import { checkOpenhabConfig, OpenhabConfig } from "./schema.js";

type Ctx = IntegrationContext<OpenhabConfig>;

/**
 * What one running instance knows: every item and its last state. Filled from `/rest/items`
 * and kept current by the event stream. A state is sent when openHAB reports it (the load, an
 * event) and never again as if new: an item that stops updating shows as "no data", also
 * across reconnections, as the states sent are kept across the instance's restarts.
 */
class ItemTable {
  private readonly items = new Map<string, Item>();
  private readonly wanted: (name: string) => boolean;
  private readonly personOf: Map<string, string>;
  private readonly warned = new Set<string>();
  /** Per item, the state last sent (or skipped), kept across this instance's restarts. */
  private readonly sent: Map<string, string>;

  constructor(private readonly ctx: Ctx) {
    this.sent = ctx.keep("sent-states", () => new Map<string, string>());
    this.wanted = nameMatcher(ctx.config.items, ctx.config.exclude_items);
    this.personOf = new Map(Object.entries(ctx.config.presence).map(([person, item]) => [item, person]));
  }

  load(items: Item[]): void {
    this.items.clear();
    for (const item of items) this.items.set(item.name, item);
    for (const item of this.personOf.keys()) {
      if (!this.items.has(item)) this.ctx.log.warn(`Presence item "${item}" (person "${this.personOf.get(item)}") does not exist in openHAB`);
    }
  }

  apply(e: StreamEvent): void {
    switch (e.kind) {
      case "state": {
        const item = this.items.get(e.item);
        if (!item) return;
        item.state = e.value;
        this.emit(item, this.ctx.clock.now());
        return;
      }
      case "item":
        // An edited item keeps its state; a new one has none until its first update.
        this.items.set(e.item.name, { ...e.item, state: this.items.get(e.item.name)?.state ?? e.item.state });
        return;
      case "removed":
        this.items.delete(e.item);
        return;
      case "malformed":
        this.ctx.skipped("malformed_event");
        this.ctx.log.warn(`Unreadable openHAB event: ${e.detail}`);
        return;
      case "ignored":
        this.ctx.log.trace(e.why);
    }
  }

  /**
   * The states loaded, at the time they were read, except those already sent: after a
   * reconnection only a state that changed while nobody listened is new. An update during the
   * outage that kept the value is not seen: it left nothing to tell it by.
   */
  emitLoaded(): void {
    const now = this.ctx.clock.now();
    for (const item of this.items.values()) if (this.sent.get(item.name) !== item.state) this.emit(item, now);
  }

  private emit(item: Item, time: number): void {
    this.sent.set(item.name, item.state);
    const person = this.personOf.get(item.name);
    if (person) this.emitPresence(person, item, time);
    if (!this.wanted(item.name)) return;
    const out = readItem(item);
    if ("skip" in out) {
      if (out.skip !== "not_numeric") this.ctx.skipped(out.skip);
      return;
    }
    if ("unreadable" in out) {
      this.unreadable(item, out.unreadable);
      return;
    }
    // The instance's name tells two openHAB servers' items apart, even when their names are the same.
    const tags = [...itemTags(item), `openhab_instance:${this.ctx.instance}`];
    for (const r of out.readings) {
      this.ctx.emit.gauge(r.metric, r.value, tags, { time, ...(r.unit ? { unit: r.unit } : {}), ...(r.state ? { attrs: { state: r.state } } : {}) });
    }
  }

  /** presence.home{person:…}: exactly the metric and tag every presence source uses, so the people tracker reads them alike. */
  private emitPresence(person: string, item: Item, time: number): void {
    if (item.state === "NULL" || item.state === "UNDEF") return;
    const r = readValue(item.state);
    if (!r.ok || r.state === undefined) {
      this.unreadable(item, `"${item.state}" is not ON/OFF`);
      return;
    }
    this.ctx.emit.gauge("presence.home", r.value, [`person:${person}`], { time, instanceTags: false, attrs: { state: r.state } });
  }

  /** Said once per item, then only counted: an item stuck in a strange state must not flood the log. */
  private unreadable(item: Item, why: string): void {
    this.ctx.skipped("unreadable");
    if (this.warned.has(item.name)) return;
    this.warned.add(item.name);
    this.ctx.log.warn({ item: item.name, type: item.type }, `openHAB item "${item.name}" (${item.type}) has a state Hearth cannot read: ${why}`);
  }
}

/**
 * openHAB 2, 3, 4 and 5 over REST and Server-Sent Events. The version is read first (it decides
 * the event topics, dialect.ts); the stream is opened next and its events held back while
 * `/rest/items` loads, so nothing that changes in between is lost; a stream that drops fails the
 * instance, and the host's restart reloads every item.
 */
export default defineIntegration({
  manifest: { name: "openhab", title: "openHAB" },
  configSchema: OpenhabConfig,
  checkConfig: checkOpenhabConfig,
  async start(ctx) {
    const client = new OpenhabClient(ctx.config, ctx.clock, ctx.signal);
    const dialect = await client.dialect();
    const table = new ItemTable(ctx);
    let held: StreamEvent[] | undefined = [];
    const stream = client.stream(eventTopics(dialect), {
      onMessage: (data) => {
        const event = parseEvent(data, dialect);
        if (held) held.push(event);
        else table.apply(event);
      },
      onDrop: (err) => ctx.fail(err),
    });
    await stream.opened;
    table.load(await client.items());
    table.emitLoaded();
    const backlog = held;
    held = undefined;
    for (const event of backlog) table.apply(event);
    ctx.log.info(`openHAB ${dialect.version}: following ${dialect.namespace}/items/… events`);
  },
  async probe(config, signal) {
    const client = new OpenhabClient(config, systemClock, signal);
    const dialect = await client.dialect();
    const items = await client.items();
    return `openHAB ${dialect.version} at ${config.url}, ${items.length} item${items.length === 1 ? "" : "s"}`;
  },
});
