// The client's transport alone: its configuration (site, base URL, API key), request context and
// fetch library. The package's entry point would also load the serializer of every
// generated model (MetricsApi's ObjectSerializer imports them all), 110 MB of memory for the
// few request shapes the hub sends, whose JSON it writes field for field.
import {
  applySecurityAuthentication,
  createConfiguration,
  type Configuration,
} from "@datadog/datadog-api-client/dist/packages/datadog-api-client-common/configuration.js";
import { BaseServerConfiguration } from "@datadog/datadog-api-client/dist/packages/datadog-api-client-common/servers.js";
import { HttpMethod, type ResponseContext } from "@datadog/datadog-api-client/dist/packages/datadog-api-client-common/http/http.js";
import { logger as clientLogger } from "@datadog/datadog-api-client/dist/logger.js";

// The client prints every failed request to the console by itself; Hearth logs each failure once,
// with its code, in its own structured log, so the client's own lines would only be noise.
// The client declares its logger `any`; it is a loglevel logger (dist/logger.js).
(clientLogger as SilenceableLogger).setLevel("silent");

interface SilenceableLogger {
  setLevel(level: "silent"): void;
}

interface TransportSettings {
  apiKey: string;
  /** Sent only to the endpoints whose spec asks for it (host tags); never to the intakes. */
  appKey?: string | undefined;
  site: string;
  /** A full base URL that wins over `site` (a proxy, a local test server). */
  url: string | undefined;
}

export interface Outgoing {
  /** The client's operation name, which picks its server (`servers.ts`): "v2.MetricsApi.submitMetrics". */
  operation: string;
  method: "POST" | "PUT";
  path: string;
  body: Buffer | string;
  headers?: Record<string, string>;
  /** The auth methods the operation's spec names: ["apiKeyAuth"], or with "appKeyAuth". */
  auth: ("apiKeyAuth" | "appKeyAuth")[];
  signal: AbortSignal;
}

/** Datadog's `errors` of a response body, or its text (a proxy's HTML error page). */
export const errorsOf = (body: unknown): string[] => {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  if (Array.isArray(errors)) return errors.map(String);
  return typeof body === "string" && body ? [body] : [];
};

/** A response body as JSON when it is JSON, else its text. */
export async function bodyOf(response: ResponseContext): Promise<unknown> {
  const text = await response.body.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** What a failed fetch says, down to the socket error (`connect ECONNREFUSED 127.0.0.1:443`). */
export function networkDetail(err: unknown): string {
  const cause = (err as { cause?: { message?: string; code?: string } }).cause;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Requests built the way the client's generated API classes build them (their request factories),
 * sent with Node's own fetch. The client's own retries stay off: they cover neither network
 * errors nor 408 (docs/datadog-semantics.md, trap 6), so each caller retries with one policy.
 */
export class DatadogTransport {
  private readonly configuration: Configuration;

  constructor(settings: TransportSettings) {
    this.configuration = createConfiguration({
      authMethods: { apiKeyAuth: settings.apiKey, ...(settings.appKey ? { appKeyAuth: settings.appKey } : {}) },
      // Node's own fetch rather than the client's cross-fetch fallback.
      fetch: (url: string, init: RequestInit) => fetch(url, init),
      // baseServer is the documented way to reach any URL, plain http included (docs/datadog-semantics.md, trap 5).
      ...(settings.url ? { baseServer: new BaseServerConfiguration(settings.url.replace(/\/+$/, ""), {}) } : {}),
    });
    if (!settings.url) this.configuration.setServerVariables({ site: settings.site });
  }

  send(o: Outgoing): Promise<ResponseContext> {
    const request = this.configuration.getServer(o.operation).makeRequestContext(o.path, o.method === "POST" ? HttpMethod.POST : HttpMethod.PUT);
    request.setHeaderParam("Accept", "application/json");
    request.setHttpConfig({ ...this.configuration.httpConfig, signal: o.signal });
    request.setHeaderParam("Content-Type", "application/json");
    for (const [k, v] of Object.entries(o.headers ?? {})) request.setHeaderParam(k, v);
    request.setBody(o.body);
    applySecurityAuthentication(this.configuration, request, o.auth);
    return this.configuration.httpApi.send(request);
  }
}
