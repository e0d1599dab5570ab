import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";

/**
 * Hearth's own metrics, served as Prometheus text on /metrics. One registry per hub (never the
 * global one), so several hubs can run side by side in tests. Every name starts with `hearth_`.
 */
export class Telemetry {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "hearth_" });
  }

  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name: `hearth_${name}`, help, labelNames, registers: [this.registry] });
  }

  /**
   * A counter kept by its owner as a plain number and read only when /metrics is scraped: for
   * counts taken on the path of every message, where an `inc()` per message would cost more
   * than the work it counts.
   */
  counterReadAtScrape(name: string, help: string, read: () => number): Counter {
    return new Counter({
      name: `hearth_${name}`,
      help,
      registers: [this.registry],
      collect(this: Counter) {
        this.reset();
        this.inc(read());
      },
    });
  }

  gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = [], collect?: (g: Gauge<L>) => void): Gauge<L> {
    return new Gauge({
      name: `hearth_${name}`,
      help,
      labelNames,
      registers: [this.registry],
      ...(collect
        ? {
            collect(this: Gauge<L>) {
              collect(this);
            },
          }
        : {}),
    });
  }
}
