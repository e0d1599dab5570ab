import type { Broker } from "../mqtt/broker.js";
import type { Publish } from "./feed.js";

/** Publishes as the broker itself: no client, no ACL (Hearth's own hearth/ topics are closed to clients, not to Hearth). */
export function publishThrough(broker: Broker): Publish {
  return (topic, payload, retain) =>
    new Promise((resolve, reject) =>
      broker.instance.publish({ cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, retain, dup: false }, (err) => (err ? reject(err) : resolve())),
    );
}
