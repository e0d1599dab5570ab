/**
 * Every error a user can see at runtime has a stable code, listed here and in README.md's
 * "Error codes" table (test/contract/errors.test.ts keeps the two in step). A code is never
 * reused for another meaning once released.
 */
export interface ErrorInfo {
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
  HEARTH_E_CONFIG_NOT_FOUND: {
    summary: "The configuration file or rules directory does not exist.",
    fix: "Pass --config/--rules, or create config/hearth.yaml and rules/.",
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
  HEARTH_E_HTTP_UNAUTHORIZED: {
    summary: "An HTTP request from another machine came without the configured bearer token.",
    fix: "Send `Authorization: Bearer <http.token>`, or query from the Hearth host itself.",
  },

  // --- Ingest ----------------------------------------------------------------------------
  HEARTH_E_PAYLOAD_REJECTED: {
    summary: "An MQTT payload could not be read (not UTF-8, not JSON, nan, empty, too large, wrong type, out of range).",
    fix: "See `hearth_ingest_rejected_total` by reason, and `hearth check --explain TOPIC PAYLOAD` for the rule.",
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
export const describeError = (err: unknown): string =>
  err instanceof Error ? err.message : typeof err === "string" ? err : JSON.stringify(err);
