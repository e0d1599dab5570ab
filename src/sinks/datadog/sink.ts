import { promisify } from "node:util";
import zlib from "node:zlib";
import type { v2 } from "@datadog/datadog-api-client";
import type { ResponseContext } from "@datadog/datadog-api-client/dist/packages/datadog-api-client-common/http/http.js";
import type { Clock } from "../../kit/clock.js";
import type { StoredPoint } from "../../store/points.js";
import type { SendOutcome, Sink } from "../sink.js";
import { buildPayload, fitPayload } from "./payload.js";
import { bodyOf, DatadogTransport, errorsOf, networkDetail } from "./transport.js";

const gzip = promisify(zlib.gzip);

/** The operation whose server the configuration picks (the client's `servers.ts` names it so). */
const SUBMIT_METRICS = "v2.MetricsApi.submitMetrics";

interface DatadogSinkSettings {
  apiKey: string;
  site: string;
  /** A full base URL that wins over `site` (a proxy, a local test server). */
  url: string | undefined;
  /** The host resource of every series. */
  host: string;
  timeout: number;
}

/**
 * Datadog's metrics intake, `POST /api/v2/series` gzip compressed, through the official client's
 * transport, built the way its `MetricsApi.submitMetrics` builds the request. The client's own
 * retries stay off: they cover neither network errors nor 408 (docs/datadog-semantics.md, trap 6), so
 * the runner retries everything with one policy.
 */
export class DatadogSink implements Sink {
  readonly name = "datadog";
  readonly label = "Datadog";
  private readonly transport: DatadogTransport;

  constructor(
    private readonly settings: DatadogSinkSettings,
    private readonly clock: Clock,
  ) {
    this.transport = new DatadogTransport(settings);
  }

  /**
   * The request MetricsApi.submitMetrics makes (its request factory), with the abort signal of this
   * send. The body is gzipped by Node's zlib on its thread pool: the transport compresses a string
   * body itself, in JavaScript on the event loop, which holds every MQTT message back for tens of
   * milliseconds per flush with thousands of series. A Buffer body it sends as it is.
   */
  private async submit(body: v2.MetricPayload, signal: AbortSignal): Promise<ResponseContext> {
    const gzipped = await gzip(JSON.stringify(body));
    return this.transport.send({
      operation: SUBMIT_METRICS,
      method: "POST",
      path: "/api/v2/series",
      body: gzipped,
      headers: { "Content-Encoding": "gzip" },
      auth: ["apiKeyAuth"],
      signal,
    });
  }

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
    try {
      const response = await this.submit(body, ac.signal);
      const answer = await bodyOf(response);
      if (response.httpStatusCode !== 202) return this.statusOutcome(response.httpStatusCode, answer, response.headers);
      // 202 IntakePayloadAccepted: `errors` lists what was accepted with a warning (SPECv2).
      const warnings = errorsOf(answer);
      return { kind: "delivered", ...(warnings.length ? { warnings } : {}) };
    } catch (err) {
      if (timedOut)
        return { kind: "retry", code: "HEARTH_E_DATADOG_UNREACHABLE", reason: "timeout", detail: `no answer from Datadog within ${this.settings.timeout} ms` };
      if (signal.aborted) return { kind: "retry", code: "HEARTH_E_DATADOG_UNREACHABLE", reason: "aborted", detail: "the send was cut short by a shutdown" };
      return { kind: "retry", code: "HEARTH_E_DATADOG_UNREACHABLE", reason: "network", detail: `cannot reach Datadog: ${networkDetail(err)}` };
    } finally {
      cancelTimeout();
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** SPECv2 /api/v2/series responses; docs/datadog-semantics.md 1.3 for what is worth retrying. */
  private statusOutcome(status: number, body: unknown, headers: Record<string, string>): SendOutcome {
    const errors = errorsOf(body);
    const said = errors.length ? `: ${errors.join("; ")}` : "";
    if (status === 400) return { kind: "rejected", code: "HEARTH_E_DATADOG_REJECTED", status, errors };
    if (status === 401 || status === 403)
      return {
        kind: "refused",
        code: "HEARTH_E_DATADOG_KEY_REFUSED",
        detail: `Datadog refused the API key (${status})${said}; every point is kept until a valid key is configured`,
      };
    if (status === 413) return { kind: "too_large", code: "HEARTH_E_DATADOG_REJECTED", detail: `Datadog answered 413 (payload too large)${said}` };
    const reason = status === 408 ? "http_408" : status === 429 ? "http_429" : status >= 500 ? "http_5xx" : `http_${status}`;
    const reset = Number(headers["x-ratelimit-reset"]);
    return {
      kind: "retry",
      code: "HEARTH_E_DATADOG_UNREACHABLE",
      reason,
      detail: `Datadog answered ${status}${said}`,
      // X-RateLimit-Reset: seconds until the rate-limit window resets (https://docs.datadoghq.com/api/latest/rate-limits/)
      ...(status === 429 && Number.isFinite(reset) && reset > 0 ? { notBefore: this.clock.now() + reset * 1000 } : {}),
    };
  }

  close(): void {}
}
