import { client, v2 } from "@datadog/datadog-api-client";
import { logger as clientLogger } from "@datadog/datadog-api-client/dist/logger.js";
import type { Clock } from "../../clock.js";
import type { StoredPoint } from "../../store/points.js";
import type { SendOutcome, Sink } from "../sink.js";
import { buildPayload, fitPayload } from "./payload.js";

// The client prints every failed request to the console by itself; Hearth logs each failure once,
// with its code, in its own structured log, so the client's own lines would only be noise.
clientLogger.setLevel("silent");

export interface DatadogSinkSettings {
  apiKey: string;
  site: string;
  /** A full base URL that wins over `site` (a proxy, a local test server). */
  url: string | undefined;
  /** The host resource of every series. */
  host: string;
  timeout: number;
}

interface ErrorBody {
  errors?: unknown;
}

const errorsOf = (body: unknown): string[] => {
  const errors = (body as ErrorBody | undefined)?.errors;
  if (Array.isArray(errors)) return errors.map(String);
  return typeof body === "string" && body ? [body] : [];
};

/** What a failed fetch says, down to the socket error (`connect ECONNREFUSED 127.0.0.1:443`). */
function networkDetail(err: unknown): string {
  const cause = (err as { cause?: { message?: string; code?: string } }).cause;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Datadog's metrics intake through the official client (`v2.MetricsApi.submitMetrics`), gzip
 * compressed. The client's own retries stay off: they cover neither network errors nor 408
 * (reference/datadog.md, trap 6), so the runner retries everything with one policy.
 */
export class DatadogSink implements Sink {
  readonly name = "datadog";
  readonly label = "Datadog";
  private readonly api: v2.MetricsApi;
  /** The signal of the request in flight; requests are sequential per sink. */
  private signal: AbortSignal | undefined;
  private lastHeaders: Headers | undefined;

  constructor(
    private readonly settings: DatadogSinkSettings,
    private readonly clock: Clock,
  ) {
    const configuration = client.createConfiguration({
      authMethods: { apiKeyAuth: settings.apiKey },
      fetch: this.fetch,
      // baseServer is the documented way to reach any URL, plain http included (reference/datadog.md, trap 5).
      ...(settings.url ? { baseServer: new client.BaseServerConfiguration(settings.url.replace(/\/+$/, ""), {}) } : {}),
    });
    if (!settings.url) configuration.setServerVariables({ site: settings.site });
    this.api = new v2.MetricsApi(configuration);
  }

  /** Node's own fetch, with the request's abort signal and a look at the response headers (X-RateLimit-Reset). */
  private readonly fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const response = await fetch(url, { ...init, ...(this.signal ? { signal: this.signal } : {}) });
    this.lastHeaders = response.headers;
    return response;
  };

  fit(points: readonly StoredPoint[], start: number): number {
    return fitPayload(points, start, this.settings.host);
  }

  async send(points: readonly StoredPoint[], signal: AbortSignal): Promise<SendOutcome> {
    const body = buildPayload(points, this.settings.host);
    const ac = new AbortController();
    let timedOut = false;
    const cancelTimeout = this.clock.setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, this.settings.timeout);
    const onAbort = () => ac.abort();
    signal.addEventListener("abort", onAbort);
    this.signal = ac.signal;
    this.lastHeaders = undefined;
    try {
      const accepted = await this.api.submitMetrics({ body, contentEncoding: "gzip" });
      return { kind: "delivered", ...(accepted.errors?.length ? { warnings: accepted.errors } : {}) };
    } catch (err) {
      if (timedOut) return { kind: "retry", code: "HEARTH_E_DATADOG_UNREACHABLE", reason: "timeout", detail: `no answer from Datadog within ${this.settings.timeout} ms` };
      if (signal.aborted) return { kind: "retry", code: "HEARTH_E_DATADOG_UNREACHABLE", reason: "aborted", detail: "the send was cut short by a shutdown" };
      return err instanceof client.ApiException ? this.statusOutcome(err.code, err.body) : { kind: "retry", code: "HEARTH_E_DATADOG_UNREACHABLE", reason: "network", detail: `cannot reach Datadog: ${networkDetail(err)}` };
    } finally {
      cancelTimeout();
      signal.removeEventListener("abort", onAbort);
      this.signal = undefined;
    }
  }

  /** SPECv2 /api/v2/series responses; reference/datadog.md 1.3 for what is worth retrying. */
  private statusOutcome(status: number, body: unknown): SendOutcome {
    const errors = errorsOf(body);
    const said = errors.length ? `: ${errors.join("; ")}` : "";
    if (status === 400) return { kind: "rejected", code: "HEARTH_E_DATADOG_REJECTED", status, errors };
    if (status === 401 || status === 403)
      return { kind: "refused", code: "HEARTH_E_DATADOG_KEY_REFUSED", detail: `Datadog refused the API key (${status})${said}; every point is kept until a valid key is configured` };
    if (status === 413) return { kind: "too_large", code: "HEARTH_E_DATADOG_REJECTED", detail: `Datadog answered 413 (payload too large)${said}` };
    const reason = status === 408 ? "http_408" : status === 429 ? "http_429" : status >= 500 ? "http_5xx" : `http_${status}`;
    const reset = Number(this.lastHeaders?.get("x-ratelimit-reset"));
    return {
      kind: "retry",
      code: "HEARTH_E_DATADOG_UNREACHABLE",
      reason,
      detail: `Datadog answered ${status}${said}`,
      // X-RateLimit-Reset: seconds until the rate-limit window resets (https://docs.datadoghq.com/api/latest/rate-limits/)
      ...(status === 429 && Number.isFinite(reset) && reset > 0 ? { notBefore: this.clock.now() + reset * 1000 } : {}),
    };
  }

  close(): void {
    this.signal = undefined;
  }
}
