import type { Clock } from "../../kit/clock.js";
import type { Health } from "../../kit/health.js";
import type { Logger } from "../../kit/log.js";
import type { Telemetry } from "../../kit/telemetry.js";
import type { Broker } from "../broker.js";
import { BridgeLink, type BridgeMetrics } from "./link.js";
import type { BridgeConfig } from "./schema.js";

interface BridgesDeps {
  broker: Broker;
  clock: Clock;
  log: Logger;
  health: Health;
  telemetry: Telemetry;
  hostName: string;
}

/**
 * Every configured bridge. A link that cannot connect is `degraded` on /healthz, never
 * critical: the house's own devices keep working while a neighbour's broker is away. A reload
 * restarts only the links whose settings changed.
 */
export class Bridges {
  private readonly links = new Map<string, BridgeLink>();
  private readonly metrics: BridgeMetrics;

  constructor(private readonly deps: BridgesDeps) {
    const t = deps.telemetry;
    this.metrics = {
      up: t.gauge("mqtt_bridge_up", "1 while a bridge is connected to its remote broker, else 0.", ["bridge"]),
      messages: t.counter("mqtt_bridge_messages_total", "Messages carried by a bridge: in (remote to Hearth) and out (Hearth to remote).", [
        "bridge",
        "direction",
      ]),
      dropped: t.counter(
        "mqtt_bridge_dropped_total",
        "Messages a bridge dropped: link_down (QoS 0 while disconnected), queue_full, reserved (would land on a reserved topic).",
        ["bridge", "reason"],
      ),
      connections: t.counter("mqtt_bridge_connections_total", "Connection attempts of a bridge, by outcome: connected, failed, lost.", ["bridge", "outcome"]),
    };
  }

  start(configs: readonly BridgeConfig[]): void {
    for (const c of configs) this.open(c);
  }

  private open(config: BridgeConfig): void {
    const link = new BridgeLink(config, { ...this.deps, metrics: this.metrics });
    this.links.set(config.name, link);
    link.start();
  }

  async reconfigure(configs: readonly BridgeConfig[]): Promise<void> {
    const wanted = new Map(configs.map((c) => [c.name, c]));
    for (const [name, link] of this.links) {
      const next = wanted.get(name);
      if (next && JSON.stringify(next) === JSON.stringify(link.config)) continue;
      await link.stop();
      this.links.delete(name);
    }
    for (const c of configs) if (!this.links.has(c.name)) this.open(c);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.links.values()].map((l) => l.stop()));
    this.links.clear();
  }
}
