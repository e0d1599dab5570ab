import type { DatadogConfig } from "./datadog/schema.js";
import type { DogStatsdConfig } from "./dogstatsd/schema.js";
import type { ForwardConfig } from "./schema.js";

/**
 * What the sinks are handed: their own sections (`datadog`, `dogstatsd`, `forward`) and the
 * host resource and global tags every point carries, never the whole configuration.
 */
export interface SinkSettings {
  host: string;
  tags: readonly string[];
  datadog: DatadogConfig;
  dogstatsd: DogStatsdConfig | undefined;
  forward: ForwardConfig;
}
