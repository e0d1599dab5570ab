import type { Clock } from "../kit/clock.js";
import { describeError, HearthError } from "../kit/errors.js";

/**
 * What every HTTP-speaking integration needs to say clearly why a server did not answer:
 * refused, not found, not trusted, or not allowed. The codes are the README's.
 */
const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

const causeCode = (err: unknown): string | undefined => {
  for (let e: unknown = err; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
};

/** A request that never got an HTTP answer, as the error a homeowner can act on. */
export function requestFailure(server: string, url: string, err: unknown): HearthError {
  if (err instanceof HearthError) return err;
  const code = causeCode(err);
  if (code && TLS_CODES.has(code)) {
    return new HearthError("HEARTH_E_INTEGRATION_TLS", `${server} at ${url}: the TLS certificate is not trusted (${code}); set ca_file or fingerprint`, {
      cause: err,
    });
  }
  const why = code ?? describeError((err as { cause?: unknown })?.cause ?? err);
  return new HearthError("HEARTH_E_INTEGRATION_UNREACHABLE", `${server} at ${url} did not answer: ${why}`, { cause: err });
}

/** An HTTP answer that is not a success. */
export function statusFailure(server: string, url: string, status: number, hint: string): HearthError {
  if (status === 401 || status === 403)
    return new HearthError("HEARTH_E_INTEGRATION_AUTH", `${server} at ${url} refused the credentials (HTTP ${status}): ${hint}`);
  return new HearthError("HEARTH_E_INTEGRATION_FAILED", `${server} at ${url} answered HTTP ${status}`);
}

/**
 * A signal that aborts when `parent` does or after `ms` on the injected clock, and the function
 * that releases the timer once the request is done.
 */
export function deadline(parent: AbortSignal, ms: number, clock: Clock): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener("abort", onAbort, { once: true });
  const cancel = clock.setTimeout(() => controller.abort(Object.assign(new Error(`no answer within ${ms / 1000}s`), { code: "ETIMEDOUT" })), ms);
  return {
    signal: controller.signal,
    done: () => {
      cancel();
      parent.removeEventListener("abort", onAbort);
    },
  };
}
