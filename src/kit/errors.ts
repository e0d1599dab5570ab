/**
 * Every error a user can see at runtime has a stable code, listed here and in README.md's
 * "Error codes" table (test/contract/errors.test.ts keeps the two in step). A code is never
 * reused for another meaning once released.
 */
interface ErrorInfo {
  /** What happened, in one line. */
  summary: string;
  /** What the homeowner can do about it. */
  fix: string;
}

export const ERRORS = {
  // --- Configuration and rules ---------------------------------------------------------
  HEARTH_E_CONFIG_INVALID: {
    summary: "A configuration or rules file has errors; each is printed as file:line:col.",
    fix: "Fix every listed problem and run `hearth check` until it passes.",
  },
  HEARTH_E_RELOAD_REJECTED: {
    summary: "A changed configuration or rules file is invalid; the last good version stays in force.",
    fix: "Fix the problems printed with their positions; the next valid save applies.",
  },

  // --- Listeners and HTTP ----------------------------------------------------------------
  HEARTH_E_PORT_IN_USE: {
    summary: "A listener's port is already taken by another program.",
    fix: "Stop the other program, or choose another port (config or HEARTH_*_PORT); port 0 picks a free one.",
  },
  HEARTH_E_LISTEN_FAILED: {
    summary: "A listener could not start (address not on this machine, or no permission for the port).",
    fix: "Check the host address and use a port above 1023 when not running as root.",
  },
  HEARTH_E_HTTP_FORBIDDEN_HOST: {
    summary: "An HTTP request named a Host the hub does not answer to (a web page reaching it through DNS rebinding, or a name it was not told about).",
    fix: "Use localhost, 127.0.0.1, the machine's name or address, or http.host; see hearth_http_refused_total.",
  },
  HEARTH_E_HTTP_FORBIDDEN_ORIGIN: {
    summary: "A state-changing HTTP request (POST, PUT, PATCH, DELETE) came from another web origin, was marked cross-site, or did not carry JSON.",
    fix: "Change things from the status page the hub serves, or from a script that sends JSON without a foreign Origin; see hearth_http_refused_total.",
  },
  HEARTH_E_HTTP_UNAUTHORIZED: {
    summary: "An HTTP request from another machine came without the configured bearer token.",
    fix: "Send `Authorization: Bearer <http.token>`, or query from the Hearth host itself.",
  },

  // --- Ingest ----------------------------------------------------------------------------
  HEARTH_E_PAYLOAD_REJECTED: {
    summary: "An MQTT payload could not be read (not UTF-8, not JSON, nan, empty, too large, wrong type, out of range).",
    fix: "See `hearth_ingest_rejected_total` by reason, and `hearth check --explain TOPIC PAYLOAD` for the rule.",
  },

  // --- Alerts ----------------------------------------------------------------------------
  HEARTH_E_REPLAY_INPUT: {
    summary: "A `hearth replay` input line is not an MQTT message {t, topic, payload} or a sample {t, metric, value}; each is printed as file:line.",
    fix: "Fix the listed lines: every line needs an ISO 8601 time `t` with its offset and one of the two shapes.",
  },

  // --- Integrations ----------------------------------------------------------------------
  HEARTH_E_INTEGRATION_UNREACHABLE: {
    summary: "An integration instance could not reach its server (refused, no route, name not found, timed out); it is degraded and retried with backoff.",
    fix: "Check the instance's url/host and that the server is up; `hearth check --probe` tries each server once.",
  },
  HEARTH_E_INTEGRATION_AUTH: {
    summary: "The server refused the instance's credentials (HTTP 401/403, or a database login that failed).",
    fix: "Check the token or user in the instance's config (and the environment variable it names); the integration's README lists the permissions it needs.",
  },
  HEARTH_E_INTEGRATION_TLS: {
    summary: "The server's TLS certificate is not trusted: not signed by the configured CA, or its SHA-256 fingerprint differs from the pinned one.",
    fix: "Set `ca_file` to the server's CA, or `fingerprint` to the certificate's SHA-256 fingerprint (the log shows the one presented).",
  },
  HEARTH_E_INTEGRATION_START_TIMEOUT: {
    summary: "An integration instance did not finish starting within its start_timeout; it is degraded and retried with backoff.",
    fix: "Check that the server answers promptly, or raise the instance's `start_timeout`.",
  },
  HEARTH_E_INTEGRATION_FAILED: {
    summary:
      "A running integration instance lost its server or failed a collection (a dropped stream, a lost connection, an unreadable answer); it is restarted with backoff.",
    fix: "Look at the logged detail and the instance on /healthz; it recovers by itself when the server is back.",
  },
  HEARTH_E_POSTGRES_PERMISSION: {
    summary: "The PostgreSQL user may not read a statistics view or function; those metrics are skipped, the rest are collected.",
    fix: "Run the GRANT printed in the message (usually `GRANT pg_monitor TO <user>;`) as a superuser.",
  },

  // --- Broker and bridges --------------------------------------------------------------------
  HEARTH_E_MQTT_LOGIN_REFUSED: {
    summary:
      "An MQTT client was refused at CONNECT: unknown user or wrong password (CONNACK 4), no credentials while anonymous access is off, or a will it may not publish (CONNACK 5), or a failed TLS handshake.",
    fix: "Check the device's user and password (set it again with `hearth passwd FILE USER`), or its certificate; the log names the client id.",
  },
  HEARTH_E_MQTT_FORBIDDEN: {
    summary:
      "A client published to or subscribed to a topic the ACL does not allow, or a reserved one ($SYS/, hearth/); the message was dropped or the subscription refused (SUBACK 0x80).",
    fix: "Grant the topic to that user in mqtt.acl, or point the device at another topic; see hearth_mqtt_publish_denied_total and hearth_mqtt_subscribe_denied_total.",
  },
  HEARTH_E_MQTT_LIMIT: {
    summary:
      "A broker limit was hit: a connection beyond mqtt.max_clients (CONNACK 3; MQTT 5: 0x97), a payload over mqtt.max_payload_bytes, a packet announcing more than mqtt.max_connect_bytes or the payload limit (MQTT 5: 0x95), a packet slower than mqtt.packet_timeout, or a full queue of an offline persistent session.",
    fix: "Raise the limit if the traffic is legitimate; otherwise find the client named in the log.",
  },
  HEARTH_E_MQTT_PROTOCOL: {
    summary:
      "A client broke the MQTT protocol where it protects the broker: a topic or filter that is not well-formed UTF-8 or holds U+0000 [MQTT-1.5.3-1/2], or a fixed header longer than the spec allows; the connection was closed.",
    fix: "Find the client from the address in the log; its firmware or library sends packets no broker should accept.",
  },
  HEARTH_E_PASSWORD_FILE: {
    summary: "The broker's password file is missing or has a line that is not `user:$scrypt$…`.",
    fix: "Create or fix it with `hearth passwd FILE USER`; the error names the file and line.",
  },
  HEARTH_E_TLS_FILES: {
    summary: "A TLS certificate, key or CA file cannot be read, or they do not belong together.",
    fix: "Check the paths in mqtt.tls (or the bridge's tls) and that the key matches the certificate.",
  },
  HEARTH_E_BROKER_STORE: {
    summary: "The broker's store of retained messages and sessions (SQLite file or Redis) failed.",
    fix: "Check the disk under storage.dir, or that Redis answers; the broker keeps running with what it can. When the SQLite file cannot be written at start for lack of space, the broker runs on memory until the next start.",
  },
  HEARTH_E_BRIDGE_DOWN: {
    summary: "A bridge cannot reach its remote broker, or was refused there; it retries with backoff and shows as degraded on /healthz.",
    fix: "Check the bridge's url, credentials and TLS settings, and that the remote broker runs.",
  },

  // --- Local store and forwarding ----------------------------------------------------------
  HEARTH_E_STORE_OPEN_FAILED: {
    summary: "The local store (storage.dir/hearth.db) cannot be opened or created: no permission, not a database, or a broken file.",
    fix: "Check that storage.dir (HEARTH_DATA_DIR) is writable by Hearth; move a broken hearth.db aside to start a new one. On a full disk before hearth.db was ever created, the hub starts with its store in memory and this code on /healthz: free space and restart.",
  },
  HEARTH_E_STORE_NEWER: {
    summary: "The local store was written by a newer Hearth; this version cannot read it safely.",
    fix: "Run the newer Hearth again, or point storage.dir at another directory.",
  },
  HEARTH_E_STORE_WRITE_FAILED: {
    summary: "The local store cannot be written (disk full, I/O error); /healthz answers 503 and points wait in memory.",
    fix: "Free disk space or fix the disk; held points are written at the next flush once it works again.",
  },
  HEARTH_E_STORE_POINT_SET_ASIDE: {
    summary:
      "The local store could not write a point (a value that is not a finite number, or one SQLite refused); it was set aside as a dead letter and the rest of its flush was written.",
    fix: "Look at the dead letter (`SELECT errors, points FROM dead_letters WHERE sink = 'store'`) to find the device or rule that produced it.",
  },
  HEARTH_E_STORE_FULL: {
    summary: "The store reached storage.max_bytes with points not yet delivered; the oldest of them were dropped and counted.",
    fix: "Raise storage.max_bytes, restore the connection to Datadog, or forward fewer series (forward.exclude).",
  },
  HEARTH_E_DATADOG_KEY_REFUSED: {
    summary: "Datadog refused the API key (403); nothing is sent, every point is kept.",
    fix: "Set a valid key (datadog.api_key or DD_API_KEY) for the right site and reload (SIGHUP); sending resumes where it stopped.",
  },
  HEARTH_E_DATADOG_REJECTED: {
    summary: "Datadog rejected a batch as invalid (400); it was set aside in the store's dead_letters table, not retried.",
    fix: "Read the errors in the log line; the batch stays in dead_letters for storage.retention.",
  },
  HEARTH_E_DATADOG_UNREACHABLE: {
    summary: "Datadog's intake did not answer or answered 408, 429 or 5xx; points wait in the store and are retried with backoff.",
    fix: "Nothing, usually: sending resumes by itself. Check the internet connection and datadog.site if it lasts.",
  },
  HEARTH_E_DATADOG_TOO_OLD: {
    summary: "Points older than Datadog's one-hour window (or over 10 minutes ahead) were kept locally instead of sent.",
    fix: "Turn on Historical Metrics Ingestion for the metric in Datadog and list it in forward.historical_metrics.",
  },
  HEARTH_E_SERIES_CAP: {
    summary: "A metric reached forward.max_series_per_metric distinct series in the last hour; further series are not forwarded.",
    fix: "Look for a device producing new tag values; raise the cap or exclude the metric if the series are wanted.",
  },
  HEARTH_E_DOGSTATSD_FAILED: {
    summary: "DogStatsD datagrams cannot be delivered (no agent listening, wrong socket); points wait in the store and are retried.",
    fix: "Start the Datadog agent or fix dogstatsd.host/port/socket; the agent's datagram socket needs dogstatsd_stream_socket instead.",
  },

  // --- Notifications ------------------------------------------------------------------------
  HEARTH_E_NOTIFY_FAILED: {
    summary:
      "A notification could not be delivered: the server did not answer, timed out, or answered 408, 429, 5xx or an SMTP 4xx; it stays in the outbox and is retried with backoff.",
    fix: "Nothing, usually: it goes out when the server answers again. If it lasts, check the server's address and `hearth notify test RECIPIENT`.",
  },
  HEARTH_E_NOTIFY_AUTH: {
    summary: "A notification server refused Hearth's credentials (SMTP 535, HTTP 401 or 403); notifications wait in the outbox and are retried.",
    fix: "Fix the token, user or password in notify: (and the environment variable it names) and reload; `hearth notify test RECIPIENT` shows the server's answer.",
  },
  HEARTH_E_NOTIFY_REJECTED: {
    summary:
      "A server refused a notification for good (an HTTP 4xx such as an invalid user key or topic, an SMTP 5xx such as an unknown mailbox); it is kept in the outbox as failed and the next one goes out.",
    fix: "Fix the recipient's address, topic or key in notify.recipients; `hearth notify test RECIPIENT` shows the server's answer.",
  },
  HEARTH_E_NOTIFY_EXPIRED: {
    summary: "A notification could not be delivered within notify.max_age; it is kept in the outbox as expired and the next one of that channel goes out.",
    fix: "Look for the channel's earlier HEARTH_E_NOTIFY_FAILED or HEARTH_E_NOTIFY_AUTH lines; raise notify.max_age to keep trying longer.",
  },
  HEARTH_E_HUB_NOT_RUNNING: {
    summary: "A command that talks to the running hub (snooze, ack, downtime add/list/cancel) found no Hearth at http.host:http.port.",
    fix: "Start it with `hearth start`, or pass the same --config the hub runs with (or HEARTH_HTTP_PORT) so the command finds its port.",
  },
  HEARTH_E_REQUEST_INVALID: {
    summary:
      "A snooze, acknowledgement or downtime named a monitor, group or downtime that does not exist, gave a duration that is not one, or had nothing to acknowledge.",
    fix: "Check the names with `hearth downtime list` or GET /api/alerts; the message suggests the closest name.",
  },
} as const satisfies Record<string, ErrorInfo>;

export type ErrorCode = keyof typeof ERRORS;

export class HearthError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "HearthError";
    this.code = code;
  }
}

export const isHearthError = (err: unknown): err is HearthError => err instanceof HearthError;

/** The message of anything thrown, for one-line logs. */
export const describeError = (err: unknown): string => (err instanceof Error ? err.message : typeof err === "string" ? err : JSON.stringify(err));
