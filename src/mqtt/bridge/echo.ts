import { createHash } from "node:crypto";

/**
 * With MQTT 3.1.1 there is no no-local flag: a remote broker sends a bridge's own message back
 * when the bridge also subscribes to its topic. The bridge notes each message it sends that it
 * expects to see again and drops the first matching copy that comes back. The list is bounded
 * (oldest first out), so an echo that never comes cannot make it grow.
 */
export class EchoFilter {
  private readonly expected = new Map<string, number>();
  private readonly order: string[] = [];

  constructor(private readonly capacity = 1000) {}

  private static key(topic: string, payload: Buffer): string {
    return `${topic}\u0000${createHash("sha1").update(payload).digest("base64")}`;
  }

  sent(topic: string, payload: Buffer): void {
    const key = EchoFilter.key(topic, payload);
    this.expected.set(key, (this.expected.get(key) ?? 0) + 1);
    this.order.push(key);
    if (this.order.length > this.capacity) this.forget(this.order.shift()!);
  }

  /** True when this incoming message is the echo of one the bridge sent (and forgets it). */
  isEcho(topic: string, payload: Buffer): boolean {
    const key = EchoFilter.key(topic, payload);
    if (!this.expected.has(key)) return false;
    this.forget(key);
    this.order.splice(this.order.indexOf(key), 1);
    return true;
  }

  private forget(key: string): void {
    const n = (this.expected.get(key) ?? 1) - 1;
    if (n > 0) this.expected.set(key, n);
    else this.expected.delete(key);
  }
}
