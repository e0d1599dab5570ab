import { isUtf8 } from "node:buffer";
import type { RejectReason } from "./sample.js";

type Decoded<T> = { ok: true; value: T } | { ok: false; reason: RejectReason; detail: string };

/**
 * One MQTT message on its way through the ingest rules. The payload is decoded at most once,
 * and only as far as a rule needs: as text, then as JSON.
 */
export class Message {
  private text_: Decoded<string> | undefined;
  private json_: Decoded<unknown> | undefined;

  constructor(
    readonly topic: string,
    readonly payload: Buffer,
    readonly receivedAt: number,
    private readonly maxBytes: number,
  ) {}

  text(): Decoded<string> {
    return (this.text_ ??= this.decodeText());
  }

  json(): Decoded<unknown> {
    return (this.json_ ??= this.decodeJson());
  }

  private decodeText(): Decoded<string> {
    const size = this.payload.length;
    if (size === 0) return { ok: false, reason: "empty", detail: "empty payload" };
    if (size > this.maxBytes) return { ok: false, reason: "oversized", detail: `${size} bytes, over the ${this.maxBytes}-byte limit` };
    if (!isUtf8(this.payload)) return { ok: false, reason: "not_utf8", detail: "payload is not valid UTF-8" };
    return { ok: true, value: this.payload.toString("utf8") };
  }

  private decodeJson(): Decoded<unknown> {
    const text = this.text();
    if (!text.ok) return text;
    try {
      return { ok: true, value: JSON.parse(text.value) as unknown };
    } catch (err) {
      return { ok: false, reason: "not_json", detail: `not JSON (${(err as Error).message})` };
    }
  }
}
