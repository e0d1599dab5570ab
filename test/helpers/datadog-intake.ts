import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import zlib from "node:zlib";
import { ROOT } from "./cli.js";
import { closeNow, listenLocal } from "./ports.js";

/**
 * A local stand-in for Datadog's metrics intake, implementing `POST /api/v2/series` as the v2
 * OpenAPI spec documents it (docs/datadog-semantics.md section 1): the DD-API-KEY header, the
 * gzip/deflate/zstd1 Content-Encoding values, 500 KB compressed and 5 MB decompressed limits,
 * 202 with `{errors: []}`, and 400/403/408/413/429/5xx with `{errors: [...]}`. Points more than
 * an hour old or ten minutes ahead are accepted but not ingested, as Datadog does.
 *
 * Beside it, what the hub sends with the same keys: `POST /api/v1/events` (the API key alone;
 * 202 with the body Datadog's client recorded, test/fixtures/datadog-api/event-posted.json; 400
 * without a title or a text) and the Tags API's `POST /api/v1/tags/hosts/{host_name}` (the API
 * and the application key; 404 for a host no series named yet; 201 `{host, tags}`), as
 * https://docs.datadoghq.com/api/latest/events/ and https://docs.datadoghq.com/api/latest/tags/
 * document them.
 */

/** One event as the intake took it: the request's fields. */
export type IntakeEvent = Record<string, unknown>;

export interface IntakePoint {
  metric: string;
  type: number | undefined;
  interval: number | undefined;
  tags: string[];
  host: string | undefined;
  /** POSIX seconds, as sent. */
  timestamp: number;
  value: number;
}

export interface IntakeRequest {
  status: number;
  encoding: string | undefined;
  compressedBytes: number;
  decompressedBytes: number;
  points: number;
}

interface Scripted {
  status: number;
  errors: string[];
  headers?: Record<string, string>;
}

export interface IntakeOptions {
  apiKeys?: string[];
  /** The intake's clock, for the one-hour window (the hub's clock in tests that inject time). */
  now?: () => number;
  maxCompressedBytes?: number;
  maxDecompressedBytes?: number;
}

const SPEC_MAX_COMPRESSED = 512_000;
const SPEC_MAX_DECOMPRESSED = 5_242_880;

function decompress(encoding: string | undefined, body: Buffer): Buffer {
  switch (encoding) {
    case undefined:
    case "identity":
      return body;
    case "gzip":
      return zlib.gunzipSync(body);
    case "deflate":
      return zlib.inflateSync(body);
    case "zstd1": {
      const zstd = (zlib as unknown as { zstdDecompressSync?: (b: Buffer) => Buffer }).zstdDecompressSync;
      if (!zstd) throw new Error("zstd1 needs a Node.js with zlib zstd support");
      return zstd(body);
    }
    default:
      throw new Error(`unsupported Content-Encoding ${encoding}`);
  }
}

/** The documented shape of MetricPayload; every problem found, as the intake's `errors` would list them. */
function validatePayload(body: unknown): string[] {
  const errors: string[] = [];
  const series = (body as { series?: unknown })?.series;
  if (!Array.isArray(series) || series.length === 0) return ["series: expected a non-empty array"];
  series.forEach((s: Record<string, unknown>, i) => {
    if (typeof s.metric !== "string" || s.metric === "") errors.push(`series[${i}].metric: required string`);
    if (s.type !== undefined && ![0, 1, 2, 3].includes(s.type as number)) errors.push(`series[${i}].type: expected 0, 1, 2 or 3`);
    if (s.interval !== undefined && !Number.isInteger(s.interval)) errors.push(`series[${i}].interval: expected an integer`);
    if (s.tags !== undefined && (!Array.isArray(s.tags) || s.tags.some((t) => typeof t !== "string"))) errors.push(`series[${i}].tags: expected strings`);
    if (
      s.resources !== undefined &&
      (!Array.isArray(s.resources) || s.resources.some((r: Record<string, unknown>) => typeof r?.name !== "string" || typeof r?.type !== "string"))
    )
      errors.push(`series[${i}].resources: expected {name, type} objects`);
    if (!Array.isArray(s.points) || s.points.length === 0) errors.push(`series[${i}].points: expected a non-empty array`);
    else
      (s.points as Record<string, unknown>[]).forEach((p, j) => {
        if (!Number.isInteger(p.timestamp)) errors.push(`series[${i}].points[${j}].timestamp: expected integer seconds`);
        if (typeof p.value !== "number") errors.push(`series[${i}].points[${j}].value: expected a number`);
      });
  });
  return errors;
}

export class DatadogIntake {
  readonly points: IntakePoint[] = [];
  /** Points the intake took but would not ingest (outside the one-hour window). */
  readonly late: IntakePoint[] = [];
  readonly requests: IntakeRequest[] = [];
  readonly events: IntakeEvent[] = [];
  /** The host tags Datadog holds, by host, in the order they were added. */
  readonly hostTags = new Map<string, string[]>();
  /** Every `/api/v1/...` request, by path and status, for what was refused and retried. */
  readonly apiRequests: { path: string; status: number }[] = [];
  private readonly script: Scripted[] = [];
  private readonly eventScript: Scripted[] = [];
  private server: http.Server | undefined;
  private boundPort = 0;
  private apiKeys: Set<string>;

  constructor(private readonly opts: IntakeOptions = {}) {
    this.apiKeys = new Set(opts.apiKeys ?? ["test-api-key"]);
  }

  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  get port(): number {
    return this.boundPort;
  }

  /** Accepts another key from now on (and refuses every other), as rotating a key in Datadog would. */
  setApiKeys(keys: string[]): void {
    this.apiKeys = new Set(keys);
  }

  /** The next requests get these answers, in order, whatever they carry. */
  respond(...answers: (number | Scripted)[]): void {
    for (const a of answers) this.script.push(typeof a === "number" ? { status: a, errors: [http.STATUS_CODES[a] ?? "error"] } : a);
  }

  /** The next events get these answers, in order, whatever they carry. */
  respondToEvents(...answers: (number | Scripted)[]): void {
    for (const a of answers) this.eventScript.push(typeof a === "number" ? { status: a, errors: [http.STATUS_CODES[a] ?? "error"] } : a);
  }

  async start(): Promise<this> {
    const server = http.createServer((req, res) => this.handle(req, res));
    this.boundPort = await listenLocal(server, this.boundPort);
    this.server = server;
    return this;
  }

  /** Stops answering: connections are refused until `start()` again, on the same port. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeNow(server);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      if (req.url?.startsWith("/api/v1/")) return this.handleV1(req, raw, res);
      const encoding = req.headers["content-encoding"];
      const record: IntakeRequest = { status: 0, encoding, compressedBytes: raw.length, decompressedBytes: 0, points: 0 };
      this.requests.push(record);
      const answer = (status: number, errors: string[], headers: Record<string, string> = {}) => {
        record.status = status;
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify({ errors }));
      };
      if (req.method !== "POST" || req.url !== "/api/v2/series") return answer(404, ["Not found"]);
      if (!this.apiKeys.has(String(req.headers["dd-api-key"] ?? ""))) return answer(403, ["Forbidden"]);
      const scripted = this.script.shift();
      if (scripted) return answer(scripted.status, scripted.errors, scripted.headers);
      if (raw.length > (this.opts.maxCompressedBytes ?? SPEC_MAX_COMPRESSED)) return answer(413, ["Payload too large"]);
      let text: Buffer;
      try {
        text = decompress(encoding, raw);
      } catch (err) {
        return answer(400, [String(err)]);
      }
      record.decompressedBytes = text.length;
      if (text.length > (this.opts.maxDecompressedBytes ?? SPEC_MAX_DECOMPRESSED)) return answer(413, ["Payload too large"]);
      let body: unknown;
      try {
        body = JSON.parse(text.toString("utf8"));
      } catch {
        return answer(400, ["Malformed JSON"]);
      }
      const errors = validatePayload(body);
      if (errors.length > 0) return answer(400, errors);
      const now = (this.opts.now ?? Date.now)() / 1000;
      for (const s of (body as { series: Record<string, unknown>[] }).series) {
        for (const p of s.points as { timestamp: number; value: number }[]) {
          const point: IntakePoint = {
            metric: s.metric as string,
            type: s.type as number | undefined,
            interval: s.interval as number | undefined,
            tags: (s.tags as string[] | undefined) ?? [],
            host: (s.resources as { name: string; type: string }[] | undefined)?.find((r) => r.type === "host")?.name,
            timestamp: p.timestamp,
            value: p.value,
          };
          record.points++;
          if (p.timestamp < now - 3600 || p.timestamp > now + 600) this.late.push(point);
          else this.points.push(point);
        }
      }
      answer(202, []);
    });
  }

  private handleV1(req: http.IncomingMessage, raw: Buffer, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://intake");
    const answer = (status: number, body: unknown) => {
      this.apiRequests.push({ path: url.pathname, status });
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST") return answer(404, { errors: ["Not found"] });
    if (!this.apiKeys.has(String(req.headers["dd-api-key"] ?? ""))) return answer(403, { errors: ["Forbidden"] });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
    } catch {
      return answer(400, { errors: ["Malformed JSON"] });
    }
    if (url.pathname === "/api/v1/events") {
      const scripted = this.eventScript.shift();
      if (scripted) return answer(scripted.status, { errors: scripted.errors });
      const missing = ["title", "text"].filter((k) => typeof body[k] !== "string" || body[k] === "");
      if (missing.length) return answer(400, { errors: missing.map((k) => `Event ${k} is required`) });
      if (String(body.text).length > 4000) return answer(400, { errors: ["Event text is limited to 4000 characters"] });
      this.events.push(body);
      const posted = JSON.parse(fs.readFileSync(path.join(ROOT, "test/fixtures/datadog-api/event-posted.json"), "utf8")) as { event: Record<string, unknown> };
      return answer(202, { ...posted, event: { ...posted.event, ...body, id_str: String(this.events.length) } });
    }
    const host = /^\/api\/v1\/tags\/hosts\/([^/]+)$/.exec(url.pathname)?.[1];
    if (host === undefined) return answer(404, { errors: ["Not found"] });
    if (!req.headers["dd-application-key"]) return answer(403, { errors: ["Forbidden"] });
    const name = decodeURIComponent(host);
    if (!this.points.some((p) => p.host === name) && !this.late.some((p) => p.host === name)) return answer(404, { errors: [`Host ${name} not found`] });
    const tags = Array.isArray(body.tags) ? body.tags.map(String) : [];
    // "If tags already exist, appends new tags to the tag list."
    const held = this.hostTags.get(name) ?? [];
    this.hostTags.set(name, [...held, ...tags.filter((t) => !held.includes(t))]);
    return answer(201, { host: name, tags: this.hostTags.get(name) });
  }
}

export const startIntake = (opts: IntakeOptions = {}) => new DatadogIntake(opts).start();
