import type { Cancel, Clock } from "../../kit/clock.js";
import type { SinkSettings } from "../settings.js";
import type { Health } from "../../kit/health.js";
import type { Logger } from "../../kit/log.js";
import { normalizeTags } from "../../pipeline/normalize.js";
import { backoffDelay, EQUAL_JITTER } from "../../kit/backoff.js";
import { bodyOf, DatadogTransport, errorsOf, networkDetail } from "./transport.js";

/** The client's operation for `POST /api/v1/tags/hosts/{host_name}` (TagsApi.createHostTags). */
const CREATE_HOST_TAGS = "v1.TagsApi.createHostTags";

interface Wanted {
  transport: DatadogTransport;
  host: string;
  tags: string[];
  timeout: number;
  key: string;
}

/**
 * `datadog.host_tags: true`: the configuration's `tags:` become the host's tags in Datadog, as the
 * agent's `tags:` do ("List of host tags. Attached in-app to every metric, event, log, trace, and
 * service check emitted by this Agent"), so the host map and the infrastructure list can filter
 * and group by them. Series carry no host tags (SPECv2 MetricSeries.resources holds a name and a
 * type), so this is the Tags API's "Add tags to a host" (`POST /api/v1/tags/hosts/{host_name}`,
 * https://docs.datadoghq.com/api/latest/tags/#add-tags-to-a-host), which "appends new tags to the
 * tag list" and needs the application key as well as the API key (the client's TagsApi applies
 * both). It is sent at start and whenever the host or its tags change on a reload; 404 (a host
 * Datadog has not seen a point from yet), 429, 5xx and network errors are tried again with
 * forward.backoff.
 */
export class HostTags {
  private wanted: Wanted | undefined;
  private done: string | undefined;
  private timer: Cancel | undefined;
  private attempt = 0;
  private inflight: AbortController | undefined;
  private stopped = false;

  constructor(
    private config: SinkSettings,
    private readonly clock: Clock,
    private readonly health: Health,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.reconfigure(this.config);
  }

  reconfigure(config: SinkSettings): void {
    this.config = config;
    this.wanted = this.want(config);
    if (!this.wanted || this.wanted.key === this.done) return;
    this.timer?.();
    this.timer = undefined;
    this.attempt = 0;
    void this.send(this.wanted);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.();
    this.timer = undefined;
    this.inflight?.abort();
  }

  private want(c: SinkSettings): Wanted | undefined {
    const dd = c.datadog;
    if (!dd.host_tags) {
      this.health.remove("datadog_host_tags");
      return undefined;
    }
    if (!dd.enabled || !dd.api_key || !dd.app_key) {
      this.health.set("datadog_host_tags", "down", {
        detail: "datadog.host_tags needs the API key and an application key (DD_APP_KEY or datadog.app_key): Datadog's Tags API asks for both",
      });
      return undefined;
    }
    const t = { apiKey: dd.api_key, appKey: dd.app_key, site: dd.site ?? "datadoghq.com", url: dd.url };
    const tags = normalizeTags(c.tags);
    return { transport: new DatadogTransport(t), host: c.host, tags, timeout: dd.timeout, key: JSON.stringify({ ...t, host: c.host, tags }) };
  }

  private async send(w: Wanted): Promise<void> {
    if (this.stopped || this.wanted !== w) return;
    const ac = new AbortController();
    this.inflight = ac;
    const cancelTimeout = this.clock.setTimeout(() => ac.abort(), w.timeout);
    let retry: string | undefined;
    try {
      const response = await w.transport.send({
        operation: CREATE_HOST_TAGS,
        method: "POST",
        path: `/api/v1/tags/hosts/${encodeURIComponent(w.host)}`,
        body: JSON.stringify({ host: w.host, tags: w.tags }),
        auth: ["apiKeyAuth", "appKeyAuth"],
        signal: ac.signal,
      });
      const status = response.httpStatusCode;
      const errors = errorsOf(await bodyOf(response));
      const said = errors.length ? `: ${errors.join("; ")}` : "";
      if (status === 200 || status === 201) {
        this.done = w.key;
        this.health.set("datadog_host_tags", "ok", { detail: `${w.host}: ${w.tags.join(", ") || "no tags"}` });
        this.log.info({ host: w.host, tags: w.tags }, `Datadog has the host tags of ${w.host}: ${w.tags.join(", ") || "none"}`);
      } else if (status === 400 || status === 401 || status === 403) {
        const why =
          status === 400
            ? "rejected the host tags"
            : "refused the keys for host tags (the application key needs no scope beyond its user's, and both keys must belong to one organization)";
        this.health.set("datadog_host_tags", "down", { detail: `Datadog ${why} (${status})${said}` });
        this.log.error(
          { code: status === 400 ? "HEARTH_E_DATADOG_REJECTED" : "HEARTH_E_DATADOG_KEY_REFUSED", status, host: w.host },
          `Datadog ${why} (${status})${said}; not retried until the configuration changes`,
        );
      } else retry = `Datadog answered ${status}${said}`;
    } catch (err) {
      retry = ac.signal.aborted && !this.stopped ? `no answer within ${w.timeout} ms` : `cannot reach Datadog: ${networkDetail(err)}`;
    } finally {
      cancelTimeout();
      this.inflight = undefined;
    }
    if (retry === undefined || this.stopped || this.wanted !== w) return;
    const { min, max } = this.config.forward.backoff;
    const delay = backoffDelay(this.attempt++, min, max, EQUAL_JITTER);
    this.health.set("datadog_host_tags", "degraded", { detail: `${retry}; next try in ${Math.round(delay / 1000)}s` });
    this.log.warn(
      { code: "HEARTH_E_DATADOG_UNREACHABLE", host: w.host, retry_in_ms: delay },
      `Host tags for ${w.host}: ${retry}; next try in ${Math.round(delay / 1000)}s`,
    );
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.send(w);
    }, delay);
  }
}
