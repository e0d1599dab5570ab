import os from "node:os";

/**
 * Which requests a web page may not make of the hub, as small pure functions. A page open in a
 * browser on the hub's machine can reach 127.0.0.1, and DNS rebinding lets a foreign name
 * resolve there; the browser then sends that foreign name as `Host`
 * (https://developer.mozilla.org/en-US/docs/Web/Security/Attacks/DNS_rebinding), so a Host the
 * hub does not answer to is refused. A cross-site page can also post without reading the answer;
 * browsers say where a request comes from in `Origin` and `Sec-Fetch-Site`
 * (https://fetch.spec.whatwg.org/#origin-header, https://www.w3.org/TR/fetch-metadata/), and a
 * form can only send form or text bodies, so a state-changing request must come from the hub's
 * own origin and carry JSON.
 */
export type Refusal = { code: "HEARTH_E_HTTP_FORBIDDEN_HOST" | "HEARTH_E_HTTP_FORBIDDEN_ORIGIN"; why: string };

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The names the hub answers to: loopback, `http.host`, the top-level `host`, the names listed in
 * `http.allowed_hosts` (a reverse proxy's), the machine's name and addresses.
 */
export function hubNames(bindHost: string, hubHost: string | undefined, allowed: readonly string[]): Set<string> {
  const names = new Set(["localhost", "127.0.0.1", "::1", bindHost.toLowerCase(), os.hostname().toLowerCase()]);
  if (hubHost !== undefined) names.add(hubHost.toLowerCase());
  for (const name of allowed) names.add(hostName(name));
  for (const addresses of Object.values(os.networkInterfaces())) for (const a of addresses ?? []) names.add(a.address.toLowerCase());
  return names;
}

/** The name in a Host header or an origin's authority, without its port or IPv6 brackets. */
export function hostName(authority: string): string {
  const a = authority.trim().toLowerCase();
  if (a.startsWith("[")) return a.slice(1, a.indexOf("]") > 0 ? a.indexOf("]") : undefined);
  const colon = a.lastIndexOf(":");
  return colon > 0 && a.indexOf(":") === colon ? a.slice(0, colon) : a;
}

interface RequestFacts {
  method: string;
  host: string | undefined;
  origin: string | undefined;
  fetchSite: string | undefined;
  contentType: string | undefined;
}

export function refusal(req: RequestFacts, names: ReadonlySet<string>): Refusal | undefined {
  if (req.host === undefined || !names.has(hostName(req.host)))
    return { code: "HEARTH_E_HTTP_FORBIDDEN_HOST", why: `Host ${JSON.stringify(req.host ?? "")} is not a name this hub answers to` };
  if (!STATE_CHANGING.has(req.method.toUpperCase())) return undefined;
  if (req.fetchSite === "cross-site") return { code: "HEARTH_E_HTTP_FORBIDDEN_ORIGIN", why: "a cross-site page may not change anything" };
  if (req.origin !== undefined) {
    let origin: URL | undefined;
    try {
      origin = new URL(req.origin);
    } catch {
      origin = undefined;
    }
    // The hub's own origin: the same name and port the request was sent to.
    if (!origin || origin.host.toLowerCase() !== req.host.toLowerCase())
      return { code: "HEARTH_E_HTTP_FORBIDDEN_ORIGIN", why: `Origin ${JSON.stringify(req.origin)} is not this hub's` };
  }
  const type = (req.contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "" && type !== "application/json") return { code: "HEARTH_E_HTTP_FORBIDDEN_ORIGIN", why: `a state-changing request carries JSON, not ${type}` };
  return undefined;
}
