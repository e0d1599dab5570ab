import type { HearthCheck, SelfFact, SelfFacts } from "../alerts/hearth-checks.js";
import type { Health } from "../kit/health.js";
import type { Store } from "../store/store.js";
import type { StorageConfig } from "../store/schema.js";
import type { LaneState } from "./dispatcher.js";
import { laneGroup } from "./notifier.js";

const one = (value: number, detail: string): Map<string, SelfFact> => new Map([["*", { value, detail }]]);
const round1 = (x: number) => Math.round(x * 10) / 10;
/** The components hearth.component_down watches: integration instances and bridges, as /healthz names them. */
const WATCHED = /^(integration|bridge):/;

interface HubSelfFactsOptions {
  health: Health;
  store: Store;
  storage: () => StorageConfig;
  lanes: () => readonly LaneState[];
}

/**
 * The hearth.* monitors' view of the hub, read from what the hub already reports: component
 * states on /healthz, the store's size and each sink's place in it, and the notification lanes.
 */
export class HubSelfFacts implements SelfFacts {
  constructor(private readonly o: HubSelfFactsOptions) {}

  read(check: HearthCheck, now: number): Map<string, SelfFact> {
    switch (check) {
      case "datadog_key":
        return this.datadogKey();
      case "datadog_backlog":
        return this.datadogBacklog(now);
      case "store_size":
        return this.storeSize();
      case "component_down":
        return this.components();
      case "notify_failing":
        return new Map(this.o.lanes().map((l) => [laneGroup(l.recipient, l.channel), { value: l.streak, detail: l.lastError ?? "" }]));
    }
  }

  /** Only while Hearth sends to Datadog's API: without a key, there is nothing to refuse. */
  private datadogKey(): Map<string, SelfFact> {
    const h = this.o.health.get("datadog");
    if (!h || h.state === "disabled") return new Map();
    const refused = h.info?.code === "HEARTH_E_DATADOG_KEY_REFUSED";
    return one(refused ? 1 : 0, refused ? (h.detail ?? "") : "");
  }

  /** The age of the oldest point past the Datadog sink's cursor, in minutes. */
  private datadogBacklog(now: number): Map<string, SelfFact> {
    const h = this.o.health.get("datadog");
    const cursor = this.o.store.outbox.cursor("datadog");
    if (!h || h.state === "disabled" || cursor === undefined) return new Map();
    const oldest = this.o.store.points.oldestTimeAfter(cursor);
    const pending = this.o.store.points.countAfter(cursor);
    return one(
      oldest === undefined ? 0 : round1(Math.max(0, now - oldest) / 60_000),
      `${pending} point${pending === 1 ? "" : "s"} wait; Datadog is ${h.state}${h.detail ? ` (${h.detail})` : ""}`,
    );
  }

  /**
   * The share of storage.max_bytes taken by points some sink has not delivered yet. Delivered
   * history filling the store is normal (it is trimmed first); undelivered points reaching the
   * bound are dropped, which is what this warns of.
   */
  private storeSize(): Map<string, SelfFact> {
    const { store } = this.o;
    const max = this.o.storage().max_bytes;
    const { first, last } = store.points.bounds();
    const total = last === 0 ? 0 : last - first + 1;
    const undelivered = Math.max(0, last - Math.max(store.deliveredThrough(), first - 1));
    const used = store.usedBytes();
    const share = total === 0 ? 0 : (used * (undelivered / total)) / max;
    return one(
      round1(share * 100),
      `${undelivered} undelivered point${undelivered === 1 ? "" : "s"}; the store holds ${Math.round(used / 1_048_576)} MiB of ${Math.round(max / 1_048_576)} MiB`,
    );
  }

  private components(): Map<string, SelfFact> {
    const out = new Map<string, SelfFact>();
    for (const [name, c] of Object.entries(this.o.health.snapshot())) {
      if (!WATCHED.test(name) || c.state === "disabled") continue;
      // Between attempts an instance shows "starting" without a detail: the last failure's code still says why.
      const code = typeof c.info?.code === "string" ? c.info.code : undefined;
      const why = [c.state === "starting" ? "retrying" : c.state, code, c.detail].filter((x) => x !== undefined && x !== "").join(": ");
      out.set(`component:${name}`, { value: c.state === "ok" ? 0 : 1, detail: why });
    }
    return out;
  }
}
