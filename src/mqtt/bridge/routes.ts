import { levelsMatch, levelsOf } from "../topic.js";
import type { BridgeTopic } from "./schema.js";

/**
 * How topics cross a bridge, as a Mosquitto bridge's `topic` lines define it: a message on
 * `<remote_prefix><x>` at the remote broker is `<local_prefix><x>` here, and the other way
 * round, where `<x>` matches the rule's topic filter. Pure functions of the configuration.
 */
interface Route {
  direction: "in" | "out";
  qos: 0 | 1 | 2;
  /** The filter on the side the message comes from, prefix included. */
  from: string[];
  fromPrefix: string;
  toPrefix: string;
}

export interface Routes {
  inbound: Route[];
  outbound: Route[];
  /** What to subscribe to at the remote broker: every inbound filter with its prefix. */
  remoteSubscriptions: { topic: string; qos: 0 | 1 | 2 }[];
}

export function compileRoutes(topics: readonly BridgeTopic[]): Routes {
  const inbound: Route[] = [];
  const outbound: Route[] = [];
  for (const t of topics) {
    if (t.direction !== "out")
      inbound.push({ direction: "in", qos: t.qos, from: levelsOf(t.remote_prefix + t.topic), fromPrefix: t.remote_prefix, toPrefix: t.local_prefix });
    if (t.direction !== "in")
      outbound.push({ direction: "out", qos: t.qos, from: levelsOf(t.local_prefix + t.topic), fromPrefix: t.local_prefix, toPrefix: t.remote_prefix });
  }
  const remoteSubscriptions = topics.filter((t) => t.direction !== "out").map((t) => ({ topic: t.remote_prefix + t.topic, qos: t.qos }));
  return { inbound, outbound, remoteSubscriptions };
}

interface Rewritten {
  topic: string;
  /** The message's QoS, capped by the rule's. */
  qos: 0 | 1 | 2;
}

/** The first route whose filter matches `topic`, and the topic on the other side; undefined when no route carries it. */
export function rewrite(routes: readonly Route[], topic: string, qos: number): Rewritten | undefined {
  const levels = levelsOf(topic);
  for (const r of routes) {
    if (!levelsMatch(r.from, levels)) continue;
    return { topic: r.toPrefix + topic.slice(r.fromPrefix.length), qos: Math.min(qos, r.qos) as 0 | 1 | 2 };
  }
  return undefined;
}
