import http from "node:http";
import { closeNow, listenLocal } from "./ports.js";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

/**
 * A local HTTP server that records every request (method, path, headers, exact body) and answers
 * as the test scripts it: `answer` gives the usual reply, `next()` queues replies for the coming
 * requests (a 503, then a 200…). Stopped, its port refuses connections until it starts again.
 */
export class RecordingServer {
  readonly requests: RecordedRequest[] = [];
  private readonly queued: Reply[] = [];
  private server: http.Server | undefined;
  port = 0;

  /** `answer` may take its time: until it settles, the client waits for the response. */
  constructor(private readonly answer: (req: RecordedRequest) => Reply | Promise<Reply>) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The replies to the next requests, in order; afterwards `answer` replies again. */
  next(...replies: Reply[]): void {
    this.queued.push(...replies);
  }

  async start(): Promise<this> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const recorded = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
        this.requests.push(recorded);
        void Promise.resolve(this.queued.shift() ?? this.answer(recorded)).then((reply) => {
          if (res.destroyed) return;
          res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
          res.end(reply.body ?? "");
        });
      });
    });
    this.port = await listenLocal(server, this.port);
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeNow(server);
  }
}
