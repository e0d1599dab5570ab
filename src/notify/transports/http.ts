import { describeError } from "../../kit/errors.js";
import type { Outcome } from "./channel.js";

/** What a server said, short enough for a log line and the outbox row. */
const answerOf = (status: number, text: string): string => `${status} ${text.replace(/\s+/g, " ").trim().slice(0, 300)}`.trim();

/** Retry-After in seconds (RFC 9110 §10.2.3); an HTTP date is left to the backoff. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header) * 1000;
}

/** Why a request got no answer, in words: "connection refused", "no answer within 30s". */
function networkError(err: unknown, timeoutMs: number): string {
  if (err instanceof DOMException && err.name === "TimeoutError") return `no answer within ${Math.round(timeoutMs / 1000)}s`;
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === "ECONNREFUSED") return "connection refused";
  if (cause?.code === "ENOTFOUND" || cause?.code === "EAI_AGAIN") return "host name not found";
  return cause?.message ?? describeError(err);
}

/**
 * POSTs one notification and classifies the answer the same way for every push service: 2xx
 * delivered; 401/403 credentials refused (retried: a reload with the right token resumes); 408,
 * 429 and 5xx retried (honouring Retry-After); any other 4xx refused for good, since sending the
 * same request again would be refused again (Pushover's API asks exactly that of its clients).
 */
export async function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number, signal: AbortSignal): Promise<Outcome> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
    text = await res.text();
  } catch (err) {
    return { kind: "retry", code: "HEARTH_E_NOTIFY_FAILED", answer: networkError(err, timeoutMs) };
  }
  const answer = answerOf(res.status, text);
  if (res.ok) return { kind: "delivered", answer };
  if (res.status === 401 || res.status === 403) return { kind: "retry", code: "HEARTH_E_NOTIFY_AUTH", answer };
  if (res.status === 408 || res.status === 429 || res.status >= 500) {
    const after = retryAfterMs(res.headers.get("retry-after"));
    return { kind: "retry", code: "HEARTH_E_NOTIFY_FAILED", answer, ...(after !== undefined ? { retryAfterMs: after } : {}) };
  }
  return { kind: "rejected", answer };
}
