import { Explainer } from "../../src/cli/explain.js";
import type { RecordedMessage } from "./fixtures.js";
import { loadTestConfig, type TestHub } from "./hub.js";
import { connectMqtt } from "./mqtt.js";
import { waitFor } from "./wait.js";
import { asWant, publishAll, type Want } from "./want.js";

/**
 * Sends `messages` both ways: through one `hearth check --explain` explainer (which remembers
 * earlier messages as the hub does) and over MQTT into the running hub. Returns what each gave,
 * for a test to assert they are the same samples and what those samples are.
 */
export async function bothWays(t: TestHub, messages: readonly RecordedMessage[]): Promise<{ explained: Want[]; received: Want[] }> {
  const explainer = new Explainer(loadTestConfig(t.configFile, t.rulesDir));
  const explained: Want[] = [];
  for (const m of messages) {
    const e = explainer.explain(m.topic, Buffer.from(m.payload));
    for (const match of e.matches) for (const s of match.samples) explained.push([s.metric, s.value, s.unit, s.tags]);
  }
  const before = t.samples.length;
  const client = await connectMqtt(t.mqttUrl);
  await publishAll(client, messages);
  await client.endAsync();
  await waitFor(() => t.samples.length - before >= explained.length, `${explained.length} samples from the hub`);
  return { explained, received: t.samples.slice(before).map(asWant) };
}
