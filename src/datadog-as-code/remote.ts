import type { Kind } from "./identity.js";
import { keyInTags, keyInText } from "./identity.js";
import { RateLimitedHttp } from "./rate-limit.js";
import type { Json } from "./translate-dashboard.js";

/**
 * Datadog's side, through the official client (`@datadog/datadog-api-client`: DashboardsApi,
 * MonitorsApi, DowntimesApi v2). Only the CLI loads it, and only when a `hearth datadog`
 * command runs: the package's entry point loads every model's serializer, which the hub's memory
 * budget has no room for (the hub's sink uses the client's transport alone).
 */

export interface Credentials {
  apiKey: string;
  appKey: string;
  site: string;
  /** A full base URL that wins over `site` (a proxy, a local test server). */
  url: string | undefined;
}

/** An object Hearth made, as Datadog has it now. */
export interface RemoteObject {
  kind: Kind;
  key: string;
  id: string;
  body: Json;
  url: string;
}

export class DatadogApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** Datadog's own words (`errors` of the body). */
    readonly errors: string[],
  ) {
    super(message);
  }
}

/** The application key scope each operation needs (https://docs.datadoghq.com/account_management/rbac/permissions/). */
const SCOPE: Record<string, string> = {
  "list dashboards": "dashboards_read",
  "read a dashboard": "dashboards_read",
  "create a dashboard": "dashboards_write",
  "update a dashboard": "dashboards_write",
  "delete a dashboard": "dashboards_write",
  "list monitors": "monitors_read",
  "validate a monitor": "monitors_write",
  "create a monitor": "monitors_write",
  "update a monitor": "monitors_write",
  "delete a monitor": "monitors_write",
  "list downtimes": "monitors_downtime",
  "create a downtime": "monitors_downtime",
  "update a downtime": "monitors_downtime",
  "cancel a downtime": "monitors_downtime",
};

const errorsOf = (body: unknown): string[] => {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  if (Array.isArray(errors)) return errors.map(String);
  return typeof body === "string" && body ? [body] : [];
};

function explain(operation: string, status: number, body: unknown): DatadogApiError {
  const errors = errorsOf(body);
  const said = errors.length ? `: ${errors.join("; ")}` : "";
  if (status === 403)
    return new DatadogApiError(
      `Datadog refused to ${operation} (403 Forbidden${said}): the application key (DD_APP_KEY) needs the ${SCOPE[operation] ?? "matching"} scope, and DD_API_KEY must belong to the same organization`,
      status,
      errors,
    );
  if (status === 401)
    return new DatadogApiError(`Datadog did not accept the keys to ${operation} (401${said}): check DD_API_KEY and DD_APP_KEY and the site`, status, errors);
  if (status === 429) return new DatadogApiError(`Datadog's rate limit stayed reached while trying to ${operation} (429)`, status, errors);
  return new DatadogApiError(`Datadog could not ${operation} (${status}${said})`, status, errors);
}

/** The address of an object in Datadog's web app: app.<site> for the one-dot sites, <site> itself for us3/us5/ap1 (https://docs.datadoghq.com/getting_started/site/). */
function appBase(c: Credentials): string {
  if (c.url) return c.url.replace(/\/$/, "");
  return `https://${c.site.split(".").length === 2 ? `app.${c.site}` : c.site}`;
}

type Client = typeof import("@datadog/datadog-api-client");

export class DatadogApi {
  private constructor(
    private readonly dd: Client,
    private readonly creds: Credentials,
    private readonly dashboards: InstanceType<Client["v1"]["DashboardsApi"]>,
    private readonly monitors: InstanceType<Client["v1"]["MonitorsApi"]>,
    private readonly downtimes: InstanceType<Client["v2"]["DowntimesApi"]>,
  ) {}

  static async connect(creds: Credentials, say: (line: string) => void): Promise<DatadogApi> {
    const dd = await import("@datadog/datadog-api-client");
    // The client prints each failed request itself; Hearth reports each one once, with the rule it came from.
    // The client declares its logger `any`; it is a loglevel logger (dist/logger.js).
    (dd.logger as { setLevel(level: "silent"): void }).setLevel("silent");
    const inner = new dd.client.IsomorphicFetchHttpLibrary();
    const configuration = dd.client.createConfiguration({
      authMethods: { apiKeyAuth: creds.apiKey, appKeyAuth: creds.appKey },
      httpApi: new RateLimitedHttp(inner, say),
      ...(creds.url ? { baseServer: new dd.client.BaseServerConfiguration(creds.url.replace(/\/$/, ""), {}) } : {}),
    });
    if (!creds.url) configuration.setServerVariables({ site: creds.site });
    return new DatadogApi(dd, creds, new dd.v1.DashboardsApi(configuration), new dd.v1.MonitorsApi(configuration), new dd.v2.DowntimesApi(configuration));
  }

  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof this.dd.client.ApiException) throw explain(operation, err.code, err.body);
      // A refused connection, an unknown host: the client's transport rejects with the fetch error.
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code ?? (err as Error).message;
      throw new DatadogApiError(`could not reach Datadog to ${operation} (${cause})`, 0, []);
    }
  }

  private v1 = (json: Json, type: string): never => this.dd.v1.ObjectSerializer.deserialize(json, type) as never;
  private v2 = (json: Json, type: string): never => this.dd.v2.ObjectSerializer.deserialize(json, type) as never;
  private json1 = (model: unknown, type: string): Json => this.dd.v1.ObjectSerializer.serialize(model, type, "") as Json;
  private json2 = (model: unknown, type: string): Json => this.dd.v2.ObjectSerializer.serialize(model, type, "") as Json;

  private dashboardObject(d: Json): RemoteObject | undefined {
    const key = keyInText(d.description as string | undefined);
    return key
      ? { kind: "dashboard", key, id: String(d.id), body: d, url: `${appBase(this.creds)}${(d.url as string | undefined) ?? `/dashboard/${String(d.id)}`}` }
      : undefined;
  }

  private monitorObject(m: Json): RemoteObject | undefined {
    const key = keyInTags(m.tags as string[] | undefined);
    return key ? { kind: "monitor", key, id: String(m.id), body: m, url: `${appBase(this.creds)}/monitors/${String(m.id)}` } : undefined;
  }

  private downtimeObject(id: string, attributes: Json): RemoteObject | undefined {
    const key = keyInText(attributes.message as string | undefined);
    return key ? { kind: "downtime", key, id, body: attributes, url: `${appBase(this.creds)}/monitors/downtimes?id=${id}` } : undefined;
  }

  /** Every object that carries Hearth's marker; the rest of the organization is never read further. */
  async listManaged(): Promise<RemoteObject[]> {
    const found: RemoteObject[] = [];
    const summary = await this.call("list dashboards", () => this.dashboards.listDashboards({ filterShared: false }));
    for (const s of summary.dashboards ?? []) {
      if (!keyInText(s.description) || !s.id) continue;
      const full = await this.call("read a dashboard", () => this.dashboards.getDashboard({ dashboardId: s.id! }));
      const o = this.dashboardObject(this.json1(full, "Dashboard"));
      if (o) found.push(o);
    }
    const monitors = await this.call("list monitors", () => this.monitors.listMonitors({ monitorTags: "managed-by:hearth" }));
    for (const m of monitors) {
      const o = this.monitorObject(this.json1(m, "Monitor"));
      if (o) found.push(o);
    }
    const downtimes = await this.call("list downtimes", () => this.downtimes.listDowntimes({ currentOnly: false }));
    for (const d of downtimes.data ?? []) {
      const attributes = this.json2(d.attributes, "DowntimeResponseAttributes");
      // Cancelling is how a downtime is deleted; a cancelled or ended one stays listed (the client's recorded "Cancel a downtime").
      if (attributes.status === "canceled" || attributes.status === "ended") continue;
      const o = this.downtimeObject(String(d.id), attributes);
      if (o) found.push(o);
    }
    return found;
  }

  async validateMonitor(body: Json): Promise<void> {
    await this.call("validate a monitor", () => this.monitors.validateMonitor({ body: this.v1(body, "Monitor") }));
  }

  async create(kind: Kind, body: Json): Promise<RemoteObject> {
    switch (kind) {
      case "dashboard": {
        const d = await this.call("create a dashboard", () => this.dashboards.createDashboard({ body: this.v1(body, "Dashboard") }));
        return this.dashboardObject(this.json1(d, "Dashboard"))!;
      }
      case "monitor": {
        const m = await this.call("create a monitor", () => this.monitors.createMonitor({ body: this.v1(body, "Monitor") }));
        return this.monitorObject(this.json1(m, "Monitor"))!;
      }
      case "downtime": {
        const r = await this.call("create a downtime", () =>
          this.downtimes.createDowntime({ body: this.v2({ data: { type: "downtime", attributes: body } }, "DowntimeCreateRequest") }),
        );
        return this.downtimeObject(String(r.data?.id), this.json2(r.data?.attributes, "DowntimeResponseAttributes"))!;
      }
    }
  }

  async update(kind: Kind, id: string, body: Json): Promise<RemoteObject> {
    switch (kind) {
      case "dashboard": {
        const d = await this.call("update a dashboard", () => this.dashboards.updateDashboard({ dashboardId: id, body: this.v1(body, "Dashboard") }));
        return this.dashboardObject(this.json1(d, "Dashboard"))!;
      }
      case "monitor": {
        const m = await this.call("update a monitor", () =>
          this.monitors.updateMonitor({ monitorId: Number(id), body: this.v1(body, "MonitorUpdateRequest") }),
        );
        return this.monitorObject(this.json1(m, "Monitor"))!;
      }
      case "downtime": {
        const r = await this.call("update a downtime", () =>
          this.downtimes.updateDowntime({ downtimeId: id, body: this.v2({ data: { type: "downtime", id, attributes: body } }, "DowntimeUpdateRequest") }),
        );
        return this.downtimeObject(String(r.data?.id), this.json2(r.data?.attributes, "DowntimeResponseAttributes"))!;
      }
    }
  }

  /** A downtime Hearth does not keep in step with the rules (`hearth downtime add --datadog`): its id and address. */
  async scheduleOneOff(attributes: Json): Promise<{ id: string; url: string }> {
    const r = await this.call("create a downtime", () =>
      this.downtimes.createDowntime({ body: this.v2({ data: { type: "downtime", attributes } }, "DowntimeCreateRequest") }),
    );
    const id = String(r.data?.id);
    return { id, url: `${appBase(this.creds)}/monitors/downtimes?id=${id}` };
  }

  async remove(kind: Kind, id: string): Promise<void> {
    if (kind === "dashboard") await this.call("delete a dashboard", () => this.dashboards.deleteDashboard({ dashboardId: id }));
    else if (kind === "monitor") await this.call("delete a monitor", () => this.monitors.deleteMonitor({ monitorId: Number(id) }));
    else await this.call("cancel a downtime", () => this.downtimes.cancelDowntime({ downtimeId: id }));
  }
}
