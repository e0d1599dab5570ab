import type { MqttClient } from "mqtt";
import type { Sample } from "../../src/pipeline/sample.js";
import type { RecordedMessage } from "./fixtures.js";

/** What a test expects of one sample: metric, value, unit and every tag (sorted). */
export type Want = [metric: string, value: number, unit: string | undefined, tags: string[]];

export const asWant = (s: Pick<Sample, "metric" | "value" | "unit" | "tags">): Want => [s.metric, s.value, s.unit, s.tags];

/** Tags as the pipeline gives them: sorted. */
export const tagged = (...tags: string[]): string[] => [...tags].sort();

/** Publishes recorded messages in order, each acknowledged (QoS 1) before the next. */
export async function publishAll(client: MqttClient, messages: readonly RecordedMessage[]): Promise<void> {
  for (const m of messages) await client.publishAsync(m.topic, m.payload, { qos: 1, retain: m.retained === true });
}

/** The value of a rejection counter on /metrics. */
export async function rejected(httpUrl: string, reason: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const m = new RegExp(`hearth_ingest_rejected_total\\{reason="${reason}"\\} (\\d+)`).exec(text);
  if (!m) throw new Error(`no hearth_ingest_rejected_total for ${reason} on /metrics`);
  return Number(m[1]);
}
