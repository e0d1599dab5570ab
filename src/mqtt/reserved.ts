/**
 * Topics no client may publish to. `$`-topics belong to brokers (MQTT 3.1.1 §4.7.2: `$SYS/` is
 * the usual home of a broker's own statistics), and `hearth/` is where Hearth itself speaks,
 * so a device cannot pose as the hub.
 */
const HEARTH_PREFIX = "hearth/";

/** Why a topic is reserved, or undefined when a client may publish to it. */
export function reservedProblem(topic: string): string | undefined {
  if (topic.startsWith("$")) return `the broker's reserved "${topic.split("/")[0]}/" topics`;
  if (topic === "hearth" || topic.startsWith(HEARTH_PREFIX)) return `Hearth's own "${HEARTH_PREFIX}" topics`;
  return undefined;
}
