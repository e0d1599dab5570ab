import http from "node:http";
import type { AddressInfo } from "node:net";
import { closeNow } from "./ports.js";

/**
 * A local server that speaks openHAB's REST API and event stream as documented
 * (https://www.openhab.org/docs/configuration/restdocs.html, openhab-core SseResource):
 * `/rest/` with runtimeInfo, `/rest/items`, and `/rest/events` as `text/event-stream`. Items and
 * frames come from recordings; the test decides when frames are sent and when the stream drops.
 */
export class OpenhabServer {
  items: Record<string, unknown>[];
  readonly requests: { path: string; authorization: string | undefined }[] = [];
  private readonly streams = new Set<http.ServerResponse>();
  private server: http.Server | undefined;
  /** Sent to every stream as soon as it opens (a recorded session). */
  onOpen: string[] = [];

  constructor(
    items: Record<string, unknown>[],
    private readonly opts: { token: string; version?: string },
  ) {
    this.items = items;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  get openStreams(): number {
    return this.streams.size;
  }

  count(path: string): number {
    return this.requests.filter((r) => r.path === path).length;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return this;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0]!;
    this.requests.push({ path, authorization: req.headers.authorization });
    // openhab-core AuthFilter: an API token as a Bearer token.
    if (req.headers.authorization !== `Bearer ${this.opts.token}`) {
      res.writeHead(401, { "Content-Type": "application/json" }).end(JSON.stringify({ error: { message: "Authentication required", "http-code": 401 } }));
      return;
    }
    if (path === "/rest/") {
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ version: "5", runtimeInfo: { version: this.opts.version ?? "4.2.1", buildString: "Release Build" } }));
    } else if (path === "/rest/items") {
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(this.items));
    } else if (path === "/rest/events") {
      res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
      res.flushHeaders();
      this.streams.add(res);
      res.on("close", () => this.streams.delete(res));
      for (const frame of this.onOpen) res.write(frame);
    } else {
      res.writeHead(404).end();
    }
  }

  /** Writes raw SSE text (one or more frames) to every open stream. */
  send(text: string): void {
    for (const res of this.streams) res.write(text);
  }

  /** A state event framed as openHAB frames it: `payload` is a JSON string inside the JSON. */
  event(topic: string, type: string, payload: Record<string, unknown> | unknown[]): string {
    return `event: message\ndata: ${JSON.stringify({ topic, payload: JSON.stringify(payload), type })}\n\n`;
  }

  /** The connection breaks without a goodbye, as when openHAB restarts. */
  dropStreams(): void {
    for (const res of this.streams) res.socket?.destroy();
    this.streams.clear();
  }

  async stop(): Promise<void> {
    this.dropStreams();
    await closeNow(this.server);
  }
}
