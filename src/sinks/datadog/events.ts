import type { AlertEvent } from "../../alerts/events.js";
import type { Clock } from "../../kit/clock.js";
import type { SinkSettings } from "../settings.js";
import { DeliveryLane } from "../../kit/delivery-lane.js";
import { RateLimitedLog, type Logger } from "../../kit/log.js";
import type { Store } from "../../store/store.js";
import type { Telemetry } from "../../kit/telemetry.js";
import { backoffDelay, EQUAL_JITTER } from "../../kit/backoff.js";
import { EVENT_MAX_AGE_MS, eventBody } from "./event-body.js";
import { DATADOG_EVENT_MIGRATIONS, EventOutbox, type QueuedEvent } from "./event-outbox.js";
import { bodyOf, DatadogTransport, errorsOf, networkDetail } from "./transport.js";

/** The operation whose server the client's configuration picks for `POST /api/v1/events`. */
const CREATE_EVENT = "v1.EventsApi.createEvent";
const READ_BATCH = 50;
/** A refused key is tried again this often, in case it is re-enabled in Datadog without a reload. */
const REFUSED_RECHECK_MS = 300_000;

interface Settings {
  transport: DatadogTransport;
  host: string;
  tags: readonly string[];
  timeout: number;
  key: string;
}

type Outcome = "sent" | "rejected" | "refused" | "retry";

/**
 * `datadog.events: true`: each monitor transition and each downtime start and end as a Datadog
 * event (`POST /api/v1/events`, the API key alone), so Hearth's own alerts show on Datadog's
 * event stream and as overlays on its graphs. Store and forward, like the series: queued in the
 * store as the engine decides, sent oldest first one at a time (the endpoint takes one event per
 * request), retried with forward.backoff, through the client's transport alone.
 */
export class DatadogEvents {
  private readonly outbox: EventOutbox;
  private settings: Settings | undefined;
  private config: SinkSettings;
  private readonly lane: DeliveryLane;
  private attempt = 0;
  private stopped = false;
  private inflight: AbortController | undefined;
  private readonly warnLog: RateLimitedLog;
  private readonly counted;

  constructor(
    config: SinkSettings,
    store: Store,
    private readonly clock: Clock,
    telemetry: Telemetry,
    private readonly log: Logger,
  ) {
    store.migrate(DATADOG_EVENT_MIGRATIONS);
    this.outbox = new EventOutbox(store.db);
    this.config = config;
    this.warnLog = new RateLimitedLog(() => clock.now(), 1);
    this.lane = new DeliveryLane(
      clock,
      () => this.drain(),
      () => !this.stopped && this.settings !== undefined,
    );
    this.counted = telemetry.counter(
      "datadog_events_total",
      "Datadog events by what became of them: queued, sent (202), rejected (400), expired (older than Datadog accepts).",
      ["outcome"],
    );
    for (const outcome of ["queued", "sent", "rejected", "expired"]) this.counted.inc({ outcome }, 0);
    telemetry.gauge("datadog_events_pending", "Datadog events waiting in the store.", [], (g) => g.set(this.outbox.count()));
    this.settings = settingsOf(config);
  }

  start(): void {
    this.wake();
  }

  /** Queues the event Datadog is told of, when `datadog.events` is on and the engine's event is one. */
  accept(e: AlertEvent): void {
    const s = this.settings;
    if (!s) return;
    const body = eventBody(e, s.host, s.tags);
    if (!body) return;
    this.outbox.add(Date.parse(e.t), body);
    this.counted.inc({ outcome: "queued" });
    this.wake();
  }

  reconfigure(config: SinkSettings): void {
    this.config = config;
    const next = settingsOf(config);
    if (next?.key === this.settings?.key) return;
    this.settings = next;
    this.lane.cancelRetry();
    this.attempt = 0;
    this.wake();
  }

  /** Stops at once; what is queued stays in the store for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.lane.cancelRetry();
    this.inflight?.abort();
    await this.lane.current;
  }

  private wake(): void {
    this.lane.wake();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const s = this.settings;
      if (this.stopped || !s) return;
      const expired = this.outbox.expire(this.clock.now() - EVENT_MAX_AGE_MS);
      if (expired > 0) {
        this.counted.inc({ outcome: "expired" }, expired);
        this.log.warn(
          { code: "HEARTH_E_DATADOG_TOO_OLD", events: expired },
          `${expired} Datadog event${expired === 1 ? " is" : "s are"} older than the 18 hours Datadog accepts: dropped`,
        );
      }
      const batch = this.outbox.oldest(READ_BATCH);
      if (batch.length === 0) return;
      for (const event of batch) {
        const outcome = await this.post(s, event);
        if (outcome === "sent" || outcome === "rejected") {
          this.outbox.remove(event.id);
          this.counted.inc({ outcome });
          this.attempt = 0;
          continue;
        }
        if (this.stopped) return;
        const { min, max } = this.config.forward.backoff;
        const delay = outcome === "refused" ? REFUSED_RECHECK_MS : backoffDelay(this.attempt++, min, max, EQUAL_JITTER);
        this.lane.retryIn(delay);
        return;
      }
    }
  }

  private async post(s: Settings, event: QueuedEvent): Promise<Outcome> {
    const ac = new AbortController();
    this.inflight = ac;
    const cancelTimeout = this.clock.setTimeout(() => ac.abort(), s.timeout);
    try {
      const response = await s.transport.send({
        operation: CREATE_EVENT,
        method: "POST",
        path: "/api/v1/events",
        body: JSON.stringify(event.body),
        auth: ["apiKeyAuth"],
        signal: ac.signal,
      });
      const status = response.httpStatusCode;
      const errors = errorsOf(await bodyOf(response));
      const said = errors.length ? `: ${errors.join("; ")}` : "";
      // 202 Accepted (the v1 spec's createEvent response).
      if (status === 202 || status === 200) return "sent";
      if (status === 400) {
        this.log.error(
          { code: "HEARTH_E_DATADOG_REJECTED", status, errors, title: event.body.title },
          `Datadog rejected the event "${event.body.title}" (400)${said}; dropped, not retried`,
        );
        return "rejected";
      }
      if (status === 401 || status === 403) {
        if (this.warnLog.allow("refused").ok)
          this.log.error(
            { code: "HEARTH_E_DATADOG_KEY_REFUSED", status },
            `Datadog refused the API key for events (${status})${said}; events are kept until a valid key is configured`,
          );
        return "refused";
      }
      if (this.warnLog.allow("retry").ok)
        this.log.warn({ code: "HEARTH_E_DATADOG_UNREACHABLE", status }, `Datadog answered ${status} to an event${said}; trying again later`);
      return "retry";
    } catch (err) {
      if (this.warnLog.allow("retry").ok)
        this.log.warn({ code: "HEARTH_E_DATADOG_UNREACHABLE" }, `Cannot send an event to Datadog: ${networkDetail(err)}; trying again later`);
      return "retry";
    } finally {
      cancelTimeout();
      this.inflight = undefined;
    }
  }
}

function settingsOf(c: SinkSettings): Settings | undefined {
  const dd = c.datadog;
  if (!dd.enabled || !dd.api_key || !dd.events) return undefined;
  const t = { apiKey: dd.api_key, site: dd.site ?? "datadoghq.com", url: dd.url };
  return {
    transport: new DatadogTransport(t),
    host: c.host,
    tags: c.tags,
    timeout: dd.timeout,
    key: JSON.stringify({ ...t, host: c.host, tags: c.tags, timeout: dd.timeout }),
  };
}
