import http from "node:http";
import type { AddressInfo } from "node:net";
import { closeNow } from "./ports.js";

/**
 * A local server that speaks openHAB's REST API and event stream as documented
 * (https://www.openhab.org/docs/configuration/restdocs.html, openhab-core SseResource):
 * `/rest/` with runtimeInfo, `/rest/items`, and `/rest/events` as `text/event-stream`. Items and
 * frames come from recordings; the test decides when frames are sent and when the stream drops.
 * Like openHAB's SseResource, a stream gets only the frames whose topic matches its `topics=`
 * filter (comma-separated, `*` a wildcard), so a filter in the wrong namespace gets nothing; as
 * before openHAB 3.3, a server whose version is older matches each pattern as a prefix.
 */
export class OpenhabServer {
  items: Record<string, unknown>[];
  readonly requests: { path: string; authorization: string | undefined }[] = [];
  /** Each open stream and its topic filter (undefined: every topic). */
  private readonly streams = new Map<http.ServerResponse, RegExp | undefined>();
  private server: http.Server | undefined;
  /** Sent to every stream as soon as it opens (a recorded session). */
  onOpen: string[] = [];

  constructor(
    items: Record<string, unknown>[],
    private readonly opts: { token: string; version?: string; root?: Record<string, unknown> },
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

  /** The `topics=` of each stream opened, as asked. */
  readonly topicFilters: string[] = [];

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://openhab");
    const path = url.pathname;
    this.requests.push({ path, authorization: req.headers.authorization });
    // openhab-core AuthFilter: an API token as a Bearer token.
    if (req.headers.authorization !== `Bearer ${this.opts.token}`) {
      res.writeHead(401, { "Content-Type": "application/json" }).end(JSON.stringify({ error: { message: "Authentication required", "http-code": 401 } }));
      return;
    }
    if (path === "/rest/") {
      res
        .writeHead(200, { "Content-Type": "application/json" })
        .end(JSON.stringify(this.opts.root ?? { version: "5", runtimeInfo: { version: this.opts.version ?? "4.2.1", buildString: "Release Build" } }));
    } else if (path === "/rest/items") {
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(this.items));
    } else if (path === "/rest/events") {
      res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
      res.flushHeaders();
      const topics = url.searchParams.get("topics");
      if (topics !== null) this.topicFilters.push(topics);
      this.streams.set(res, topics === null ? undefined : topicFilter(topics, this.anchorsTopicFilter()));
      res.on("close", () => this.streams.delete(res));
      for (const frame of this.onOpen) this.write(res, frame);
    } else {
      res.writeHead(404).end();
    }
  }

  /** openHAB 3.3 anchored the filter's patterns at the end (openhab-core #2986); 2.x has no runtimeInfo. */
  private anchorsTopicFilter(): boolean {
    if (this.opts.root) return false;
    const [major = 0, minor = 0] = (this.opts.version ?? "4.2.1").split(".").map(Number);
    return major > 3 || (major === 3 && minor >= 3);
  }

  /** Writes raw SSE text (one or more frames) to every open stream whose filter lets each frame through. */
  send(text: string): void {
    for (const res of this.streams.keys()) this.write(res, text);
  }

  private write(res: http.ServerResponse, text: string): void {
    const filter = this.streams.get(res);
    for (const frame of text.split(/\n\n+/).filter((f) => f.trim() !== "")) {
      const topic = frameTopic(frame);
      if (filter === undefined || topic === undefined || filter.test(topic)) res.write(`${frame}\n\n`);
    }
  }

  /** A state event framed as openHAB frames it: `payload` is a JSON string inside the JSON. */
  event(topic: string, type: string, payload: Record<string, unknown> | unknown[]): string {
    return `event: message\ndata: ${JSON.stringify({ topic, payload: JSON.stringify(payload), type })}\n\n`;
  }

  /** The connection breaks without a goodbye, as when openHAB restarts. */
  dropStreams(): void {
    for (const res of this.streams.keys()) res.socket?.destroy();
    this.streams.clear();
  }

  async stop(): Promise<void> {
    this.dropStreams();
    await closeNow(this.server);
  }
}

/**
 * openHAB's topic filter: comma-separated patterns, `*` matching anything, each followed by `.*`
 * before openHAB 3.3 and by `$` since (SseUtil.convertToRegex).
 */
function topicFilter(topics: string, anchored: boolean): RegExp {
  const patterns = topics.split(",").map((t) =>
    t
      .trim()
      .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*"),
  );
  return new RegExp(`^(?:${patterns.join("|")})${anchored ? "$" : ""}`);
}

/** The topic of a `message` frame's data; undefined for frames without one (keep-alives). */
function frameTopic(frame: string): string | undefined {
  const data = frame.split("\n").find((l) => l.startsWith("data:"));
  if (!data) return undefined;
  try {
    const topic = (JSON.parse(data.slice(5)) as { topic?: unknown }).topic;
    return typeof topic === "string" ? topic : undefined;
  } catch {
    return undefined;
  }
}
