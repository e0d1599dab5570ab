import type { Counter, Gauge } from "prom-client";
import type { Telemetry } from "../kit/telemetry.js";

/** The counters one instance writes to, already labelled with its name. */
export interface InstanceTelemetry {
  errors: { inc(labels: { code: string }): void };
  failures: { inc(labels: { code: string }): void };
  skippedRuns: { inc(): void };
  skippedValues: { inc(labels: { reason: string }): void };
  up(value: 0 | 1): void;
}

/**
 * The integration host's own metrics on /metrics. Labelled by instance (its config key), so a
 * homeowner can see which Proxmox cluster is failing without reading logs.
 */
export class HostTelemetry {
  private readonly errors: Counter<"instance" | "code">;
  private readonly failures: Counter<"instance" | "code">;
  private readonly skippedRuns: Counter<"instance">;
  private readonly skippedValues: Counter<"instance" | "reason">;
  private readonly up: Gauge<"instance" | "type">;

  constructor(telemetry: Telemetry) {
    this.errors = telemetry.counter("integration_errors_total", "Problems an integration instance reported without stopping, by code.", ["instance", "code"]);
    this.failures = telemetry.counter(
      "integration_failures_total",
      "Times an integration instance failed to start or lost its server and was scheduled for a retry, by code.",
      ["instance", "code"],
    );
    this.skippedRuns = telemetry.counter("integration_skipped_runs_total", "Collections skipped because the previous one was still running.", ["instance"]);
    this.skippedValues = telemetry.counter("integration_skipped_values_total", "Values an integration skipped on purpose (openHAB NULL/UNDEF), by reason.", [
      "instance",
      "reason",
    ]);
    this.up = telemetry.gauge("integration_up", "1 while an integration instance is running, 0 while it is starting, retrying or stopped.", [
      "instance",
      "type",
    ]);
  }

  forInstance(instance: string, type: string): InstanceTelemetry {
    return {
      errors: { inc: ({ code }) => this.errors.inc({ instance, code }) },
      failures: { inc: ({ code }) => this.failures.inc({ instance, code }) },
      skippedRuns: { inc: () => this.skippedRuns.inc({ instance }) },
      skippedValues: { inc: ({ reason }) => this.skippedValues.inc({ instance, reason }) },
      up: (value) => this.up.set({ instance, type }, value),
    };
  }

  /** An instance that was removed from the configuration no longer shows as down. */
  forget(instance: string, type: string): void {
    this.up.remove({ instance, type });
  }
}
