import { EventSource, type FetchLike } from "eventsource";
import type { Cancel, Clock } from "../../src/kit/clock.js";
import { HearthError } from "../../src/kit/errors.js";
import { deadline, requestFailure, statusFailure } from "../../src/integration-host/http.js";
import { detectDialect, type Dialect } from "./dialect.js";
import { toItem, type Item } from "./items.js";
import type { OpenhabConfig } from "./schema.js";

const REQUEST_TIMEOUT_MS = 15_000;
const AUTH_HINT = "check the API token (or username and password) and that it may read items";

/**
 * openHAB's REST API and event stream (https://www.openhab.org/docs/configuration/restdocs.html).
 * An API token goes as `Authorization: Bearer`; basic auth only when openHAB allows it
 * (openhab-core AuthFilter).
 */
export class OpenhabClient {
  private readonly base: string;

  constructor(
    private readonly config: Pick<OpenhabConfig, "url" | "token" | "username" | "password">,
    private readonly clock: Clock,
    private readonly signal: AbortSignal,
  ) {
    this.base = config.url.replace(/\/+$/, "");
  }

  private authorization(): Record<string, string> {
    if (this.config.token) return { Authorization: `Bearer ${this.config.token}` };
    if (this.config.username) return { Authorization: `Basic ${Buffer.from(`${this.config.username}:${this.config.password ?? ""}`).toString("base64")}` };
    return {};
  }

  private async getJson(path: string): Promise<unknown> {
    const url = `${this.base}${path}`;
    const d = deadline(this.signal, REQUEST_TIMEOUT_MS, this.clock);
    try {
      const res = await fetch(url, { headers: { Accept: "application/json", ...this.authorization() }, signal: d.signal });
      if (!res.ok) throw statusFailure("openHAB", url, res.status, AUTH_HINT);
      return await res.json();
    } catch (err) {
      throw requestFailure("openHAB", url, d.signal.aborted && !this.signal.aborted ? d.signal.reason : err);
    } finally {
      d.done();
    }
  }

  /** Every item with its state. Groups come without members (`recursive=false`, the default on this path). */
  async items(): Promise<Item[]> {
    const body = await this.getJson("/rest/items?recursive=false");
    if (!Array.isArray(body)) throw new HearthError("HEARTH_E_INTEGRATION_FAILED", `openHAB at ${this.base}/rest/items did not answer with a list of items`);
    return body.map(toItem).filter((i): i is Item => i !== undefined);
  }

  /** Which openHAB this is, from the REST root (see dialect.ts); refused when it cannot be told. */
  async dialect(): Promise<Dialect> {
    return detectDialect(await this.getJson("/rest/"), `${this.base}/rest/`);
  }

  /**
   * Opens the event stream. `opened` settles once openHAB accepted it (or refused it). After
   * that, any drop (an error, or no keep-alive for three of openHAB's announced intervals) is
   * reported once through `onDrop`, and the stream stays closed: the caller resynchronises.
   */
  stream(topics: string, handlers: { onMessage(data: string): void; onDrop(err: HearthError): void }): { opened: Promise<void>; close(): void } {
    const endpoint = `${this.base}/rest/events`;
    const url = `${endpoint}?topics=${topics}`;
    const auth = this.authorization();
    let lastFetchError: unknown;
    const fetchWithAuth: FetchLike = (input, init) =>
      fetch(input, { ...init, headers: { ...init.headers, ...auth } }).catch((err: unknown) => {
        lastFetchError = err;
        throw err;
      });
    const es = new EventSource(url, { fetch: fetchWithAuth });
    let open = false;
    let closed = false;
    let cancelWatchdog: Cancel | undefined;
    let settle: { resolve(): void; reject(err: unknown): void } | undefined;
    const opened = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));

    const close = (why: HearthError = new HearthError("HEARTH_E_INTEGRATION_FAILED", "the event stream was closed before it opened")) => {
      if (closed) return;
      closed = true;
      cancelWatchdog?.();
      this.signal.removeEventListener("abort", onAbort);
      // The library schedules its own reconnect right after an error event: close after it.
      queueMicrotask(() => es.close());
      settle?.reject(why);
    };
    const onAbort = () => close();
    const drop = (err: HearthError) => {
      if (closed) return;
      close(err);
      if (open) handlers.onDrop(err);
    };
    this.signal.addEventListener("abort", onAbort, { once: true });

    es.addEventListener("open", () => {
      open = true;
      settle?.resolve();
      settle = undefined;
    });
    es.addEventListener("message", (e) => handlers.onMessage(String(e.data)));
    // Keep-alives since openHAB 3.4 (SseResource ALIVE_INTERVAL_SECONDS): `{"type":"ALIVE","interval":10}`.
    // They are not data; they prove the connection is alive, so their silence means it is not.
    es.addEventListener("alive", (e) => {
      let interval = NaN;
      try {
        interval = Number((JSON.parse(String(e.data)) as { interval?: unknown }).interval);
      } catch {
        // An alive event without a readable interval still proves the connection; no watchdog.
      }
      cancelWatchdog?.();
      if (Number.isFinite(interval) && interval > 0) {
        cancelWatchdog = this.clock.setTimeout(
          () => drop(new HearthError("HEARTH_E_INTEGRATION_FAILED", `openHAB's event stream at ${endpoint} sent no keep-alive for ${interval * 3}s`)),
          interval * 3_000,
        );
      }
    });
    es.addEventListener("error", (e) => {
      const { code, message } = e as { code?: number; message?: string };
      if (open) drop(new HearthError("HEARTH_E_INTEGRATION_FAILED", `openHAB's event stream at ${endpoint} dropped${message ? `: ${message}` : ""}`));
      else if (code !== undefined) drop(statusFailure("openHAB", endpoint, code, AUTH_HINT));
      else drop(requestFailure("openHAB", endpoint, lastFetchError ?? new Error(message ?? "no answer")));
    });
    return { opened, close: () => close() };
  }
}
