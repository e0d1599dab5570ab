import fs from "node:fs";
import type http from "node:http";
import https from "node:https";
import path from "node:path";
import { ROOT } from "./cli.js";
import { closeNow, listenLocal } from "./ports.js";
import { selfSignedCertificate } from "./tls.js";

/**
 * A local Datadog API over HTTPS (a fresh self-signed certificate for 127.0.0.1: a spawned CLI
 * trusts it through NODE_EXTRA_CA_CERTS=`caFile`, as it would a company proxy's CA): dashboards
 * (v1), monitors (v1, with validate), downtimes (v2) and events (v1), holding what it is sent in
 * memory. Bodies are the ones Datadog's client recorded
 * (test/fixtures/datadog-api/README.md) with this server's ids and the request's fields laid over
 * them; statuses, error bodies and rate-limit headers as Datadog documents them.
 */

type Json = Record<string, unknown>;
const recorded = (name: string): Json => JSON.parse(fs.readFileSync(path.join(ROOT, "test/fixtures/datadog-api", name), "utf8")) as Json;

export interface ApiRequest {
  method: string;
  path: string;
  body: unknown;
}

export interface DatadogApiOptions {
  apiKey?: string;
  appKey?: string;
}

export class FakeDatadogApi {
  readonly requests: ApiRequest[] = [];
  readonly dashboards = new Map<string, Json>();
  readonly monitors = new Map<number, Json>();
  readonly downtimes = new Map<string, Json>();
  readonly events: Json[] = [];
  /** Answer the next N requests with 429 and this X-RateLimit-Reset. */
  rateLimited = { count: 0, resetSeconds: 1 };
  /** Refuse every monitor validation with the recorded 400 (a query Datadog does not accept). */
  refuseValidation = false;
  private server: https.Server | undefined;
  /** The server's certificate, for NODE_EXTRA_CA_CERTS. */
  caFile = "";
  private nextId = 1;
  port = 0;

  constructor(private readonly opts: DatadogApiOptions = {}) {}

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const tls = selfSignedCertificate();
    this.caFile = tls.certFile;
    this.server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      let text = "";
      req.on("data", (c: Buffer) => (text += c.toString()));
      req.on("end", () => this.handle(req, text, res));
    });
    this.port = await listenLocal(this.server, 0);
    return this;
  }

  close(): Promise<void> {
    return closeNow(this.server);
  }

  /** A dashboard made by hand in the web app: no Hearth marker. */
  addHandMade(): { dashboard: string; monitor: number } {
    const d = this.storeDashboard({ title: "Made by hand", layout_type: "ordered", widgets: [], description: "mine" });
    const m = this.storeMonitor({
      name: "hand-made",
      type: "query alert",
      query: "avg(last_5m):my_metric{*} > 1",
      message: "",
      tags: ["team:house"],
      options: {},
    });
    return { dashboard: String(d.id), monitor: Number(m.id) };
  }

  writes(): ApiRequest[] {
    return this.requests.filter((r) => r.method !== "GET" && !r.path.endsWith("/validate"));
  }

  private send(res: http.ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(body === undefined ? "" : JSON.stringify(body));
  }

  private handle(req: http.IncomingMessage, text: string, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", this.url);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return this.send(res, 400, { errors: ["Invalid JSON"] });
    }
    this.requests.push({ method: req.method ?? "", path: url.pathname, body });
    // https://docs.datadoghq.com/api/latest/rate-limits/
    if (this.rateLimited.count > 0) {
      this.rateLimited.count--;
      return this.send(
        res,
        429,
        { errors: ["Rate limit of 1 requests in 10 seconds reached"] },
        {
          "x-ratelimit-limit": "1",
          "x-ratelimit-period": "10",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": String(this.rateLimited.resetSeconds),
          "x-ratelimit-name": "monitors",
        },
      );
    }
    const apiKey = req.headers["dd-api-key"];
    const appKey = req.headers["dd-application-key"];
    if (apiKey !== (this.opts.apiKey ?? "test-api-key") || appKey !== (this.opts.appKey ?? "test-app-key"))
      return this.send(res, 403, { errors: ["Forbidden"] });
    const b = (body ?? {}) as Json;
    const [, api, version, kind, id] = url.pathname.split("/");
    if (api !== "api") return this.send(res, 404, { errors: ["Not found"] });
    const route = `${req.method} ${version}/${kind}${id ? "/:id" : ""}`;
    switch (route) {
      // Bodies below: DataDog/datadog-api-client-typescript's cassettes, one per route (test/fixtures/datadog-api/README.md).
      // GET /api/v1/dashboard lists summaries only (https://docs.datadoghq.com/api/latest/dashboards/#get-all-dashboards).
      case "GET v1/dashboard":
        return this.send(res, 200, {
          dashboards: [...this.dashboards.values()].map((d) => ({
            id: d.id,
            title: d.title,
            description: d.description,
            layout_type: d.layout_type,
            url: d.url,
            author_handle: d.author_handle,
            created_at: d.created_at,
            modified_at: d.modified_at,
            is_read_only: false,
          })),
        });
      // cassettes/v1/Dashboards_1335235736/Create-a-new-dashboard-with-a-timeseries-widget-using-formulas-and-functions-metrics-query_683231166 (entries 1, 2).
      case "POST v1/dashboard":
        return this.send(res, 200, this.storeDashboard(b));
      case "GET v1/dashboard/:id":
      case "PUT v1/dashboard/:id":
      case "DELETE v1/dashboard/:id": {
        const d = this.dashboards.get(id!);
        if (!d) return this.send(res, 404, { errors: ["Dashboard with ID " + id + " not found"] });
        if (req.method === "GET") return this.send(res, 200, d);
        if (req.method === "PUT") return this.send(res, 200, this.storeDashboard(b, id));
        this.dashboards.delete(id!);
        return this.send(res, 200, { ...recorded("dashboard-deleted.json"), deleted_dashboard_id: id });
      }
      // List by tag: `monitor_tags` holds every tag a monitor must carry (https://docs.datadoghq.com/api/latest/monitors/#get-all-monitor-details).
      case "GET v1/monitor": {
        const wanted = (url.searchParams.get("monitor_tags") ?? "").split(",").filter(Boolean);
        return this.send(
          res,
          200,
          [...this.monitors.values()].filter((m) => wanted.every((t) => (m.tags as string[]).includes(t))),
        );
      }
      // cassettes/v1/Monitors_4022238206/Validate-a-monitor-returns-OK-response_1413713288 and
      // .../Validate-a-monitor-returns-Invalid-JSON-response_3060830641 (the 400 body).
      case "POST v1/monitor/:id":
        if (id !== "validate") return this.send(res, 404, { errors: ["Not found"] });
        return this.validate(b) ? this.send(res, 200, recorded("monitor-validated.json")) : this.send(res, 400, recorded("monitor-invalid.json"));
      // cassettes/v1/Monitors_4022238206/Create-a-metric-monitor-returns-OK-response_281519646.
      case "POST v1/monitor":
        if (!this.validate(b)) return this.send(res, 400, recorded("monitor-invalid.json"));
        return this.send(res, 200, this.storeMonitor(b));
      // cassettes/v1/Monitors_4022238206/Delete-a-monitor-returns-OK-response_4170020273 (the 404 body).
      case "PUT v1/monitor/:id":
      case "DELETE v1/monitor/:id": {
        const m = this.monitors.get(Number(id));
        if (!m) return this.send(res, 404, recorded("monitor-not-found.json"));
        if (req.method === "PUT") return this.send(res, 200, this.storeMonitor({ ...m, ...b }, Number(id)));
        this.monitors.delete(Number(id));
        return this.send(res, 200, { deleted_monitor_id: Number(id) });
      }
      // cassettes/v2/Downtimes_1733580485/Schedule-a-downtime-returns-OK-response_2989429594 (a one-time schedule {start, end})
      // and .../Cancel-a-downtime-returns-OK-response_2564258451 (204, no body; the downtime stays, "canceled").
      case "GET v2/downtime":
        return this.send(res, 200, { data: [...this.downtimes.values()], meta: { page: { total_filtered_count: this.downtimes.size } } });
      case "POST v2/downtime":
        return this.send(res, 200, { data: this.storeDowntime(((b.data as Json | undefined)?.attributes ?? {}) as Json) });
      case "PATCH v2/downtime/:id":
      case "DELETE v2/downtime/:id": {
        const d = this.downtimes.get(id!);
        if (!d) return this.send(res, 404, { errors: ["Downtime not found"] });
        if (req.method === "PATCH")
          return this.send(res, 200, {
            data: this.storeDowntime({ ...(d.attributes as Json), ...(((b.data as Json | undefined)?.attributes ?? {}) as Json) }, id),
          });
        // Cancelling keeps the downtime, as "canceled" (the recorded cancel answers 204 with no body).
        (d.attributes as Json).status = "canceled";
        (d.attributes as Json).canceled = new Date().toISOString();
        return this.send(res, 204);
      }
      case "POST v1/events": {
        const posted = recorded("event-posted.json");
        const event = { ...(posted.event as Json), ...b, id_str: String(this.nextId++) };
        this.events.push(event);
        return this.send(res, 202, { ...posted, event });
      }
      default:
        return this.send(res, 404, { errors: ["Not found"] });
    }
  }

  /** What Datadog refuses about a metric monitor: a query without a comparator, a critical threshold other than the query's. */
  private validate(m: Json): boolean {
    if (this.refuseValidation) return false;
    const q = /([<>]=?)\s*(-?[\d.]+)\s*$/.exec(typeof m.query === "string" ? m.query : "");
    if (!q) return false;
    const critical = ((m.options as Json | undefined)?.thresholds as Json | undefined)?.critical;
    return critical === undefined || Number(critical) === Number(q[2]);
  }

  private storeDashboard(b: Json, id?: string): Json {
    const template = recorded("dashboard-created.json");
    const key = id ?? `abc-${String(this.nextId++).padStart(3, "0")}-xyz`;
    const now = new Date().toISOString();
    const d = {
      ...template,
      ...b,
      id: key,
      url: `/dashboard/${key}/${String(b.title)
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "")}`,
      widgets: ((b.widgets as Json[] | undefined) ?? []).map((w, i) => ({ ...w, id: 1000 + i })),
      created_at: this.dashboards.get(key)?.created_at ?? now,
      modified_at: now,
    };
    this.dashboards.set(key, d);
    return d;
  }

  private storeMonitor(b: Json, id?: number): Json {
    const template = recorded("monitor-created.json");
    const key = id ?? this.nextId++;
    const now = new Date().toISOString();
    const options = { ...(template.options as Json), scheduling_options: undefined, ...((b.options as Json | undefined) ?? {}) };
    const m = { ...template, ...b, id: key, tags: b.tags ?? [], options, created: this.monitors.get(key)?.created ?? now, modified: now };
    this.monitors.set(key, m);
    return m;
  }

  private storeDowntime(attributes: Json, id?: string): Json {
    const template = recorded("downtime-created.json").data as Json;
    const key = id ?? `00000000-0000-4000-8000-${String(this.nextId++).padStart(12, "0")}`;
    const now = new Date().toISOString();
    const base = template.attributes as Json;
    const d = {
      ...template,
      id: key,
      attributes: {
        ...base,
        ...attributes,
        status: "scheduled",
        created: (this.downtimes.get(key)?.attributes as Json | undefined)?.created ?? now,
        modified: now,
        canceled: null,
      },
    };
    this.downtimes.set(key, d);
    return d;
  }
}

export const startDatadogApi = (opts: DatadogApiOptions = {}) => new FakeDatadogApi(opts).start();
