import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { startTestHub, type TestHub } from "../helpers/hub.js";
import { metricValue, scrape } from "../helpers/metrics.js";

let t: TestHub | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/** A valid request: the same body from the hub's own origin is accepted (the second test). */
const DOWNTIME = JSON.stringify({ for: "1h", by: "a web page" });

/** A request over a real socket with exactly the headers given (fetch would not let a test set Host). */
function send(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, method, path, headers: { ...headers, ...(body ? { "content-length": String(Buffer.byteLength(body)) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("the HTTP API and web pages", () => {
  it("refuses a foreign Host on loopback (DNS rebinding) and cross-origin changes, and counts them", async () => {
    t = await startTestHub({ config: { http: { token: "s3cret-token" } } });
    const port = Number(new URL(t.httpUrl).port);
    const own = `127.0.0.1:${port}`;

    const rebound = await send(
      port,
      "POST",
      "/api/downtimes",
      { host: `evil.example:${port}`, origin: `http://evil.example:${port}`, "content-type": "application/json" },
      DOWNTIME,
    );
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toMatchObject({ code: "HEARTH_E_HTTP_FORBIDDEN_HOST" });
    expect((await send(port, "GET", "/api/series", { host: `evil.example:${port}` })).status).toBe(403);

    const crossOrigin = await send(port, "POST", "/api/downtimes", { host: own, origin: "http://evil.example", "content-type": "application/json" }, DOWNTIME);
    expect(crossOrigin.status).toBe(403);
    expect(JSON.parse(crossOrigin.body)).toMatchObject({ code: "HEARTH_E_HTTP_FORBIDDEN_ORIGIN" });
    const crossSite = await send(port, "POST", "/api/downtimes", { host: own, "sec-fetch-site": "cross-site", "content-type": "application/json" }, DOWNTIME);
    expect(crossSite.status).toBe(403);
    const form = await send(port, "POST", "/api/downtimes", { host: own, "content-type": "text/plain" }, DOWNTIME);
    expect(form.status).toBe(403);

    const metrics = await scrape(t.httpUrl);
    expect(metricValue(metrics, "hearth_http_refused_total", { code: "HEARTH_E_HTTP_FORBIDDEN_HOST" })).toBe(2);
    expect(metricValue(metrics, "hearth_http_refused_total", { code: "HEARTH_E_HTTP_FORBIDDEN_ORIGIN" })).toBe(3);
  });

  it("answers to the names in http.allowed_hosts and the top-level host, and refuses any other Host", async () => {
    t = await startTestHub({ config: { host: "hearth-box", http: { allowed_hosts: ["Hearth.Example.NET", "[2001:db8::7]"] } } });
    const port = Number(new URL(t.httpUrl).port);
    // A reverse proxy terminating TLS passes on the name the browser used: the status page's own buttons there keep working.
    const proxied = await send(
      port,
      "POST",
      "/api/downtimes",
      { host: "hearth.example.net", origin: "https://hearth.example.net", "content-type": "application/json" },
      DOWNTIME,
    );
    expect(proxied.status).toBeLessThan(300);
    const foreignPage = await send(
      port,
      "POST",
      "/api/downtimes",
      { host: "hearth.example.net", origin: "https://evil.example", "content-type": "application/json" },
      DOWNTIME,
    );
    expect(JSON.parse(foreignPage.body)).toMatchObject({ code: "HEARTH_E_HTTP_FORBIDDEN_ORIGIN" });
    expect((await send(port, "GET", "/healthz", { host: `hearth.example.net:${port}` })).status).toBe(200);
    expect((await send(port, "GET", "/healthz", { host: `[2001:db8::7]:${port}` })).status).toBe(200);
    expect((await send(port, "GET", "/healthz", { host: `hearth-box:${port}` })).status).toBe(200);

    const crafted = await send(port, "GET", "/api/series", { host: `hearth.example.net.evil.example:${port}` });
    expect(crafted.status).toBe(403);
    expect(JSON.parse(crafted.body)).toMatchObject({ code: "HEARTH_E_HTTP_FORBIDDEN_HOST" });
    expect((await send(port, "GET", "/api/series", { host: `example.net:${port}` })).status).toBe(403);
  });

  it("refuses a listed name once it is no longer listed, without a restart", async () => {
    t = await startTestHub({ config: { http: { allowed_hosts: ["hearth.example.net"] } } });
    const port = Number(new URL(t.httpUrl).port);
    expect((await send(port, "GET", "/healthz", { host: "hearth.example.net" })).status).toBe(200);
    await t.hub.http.reconfigure({ ...t.hub.config.http, allowed_hosts: [] }, t.hub.config.host);
    expect((await send(port, "GET", "/healthz", { host: "hearth.example.net" })).status).toBe(403);
  });

  it("keeps a same-origin fetch from the status page, localhost, and a bearer token from any name working", async () => {
    t = await startTestHub({ config: { http: { token: "s3cret-token" } } });
    const port = Number(new URL(t.httpUrl).port);
    const sameOrigin = await send(
      port,
      "POST",
      "/api/downtimes",
      { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}`, "sec-fetch-site": "same-origin", "content-type": "application/json" },
      DOWNTIME,
    );
    expect(sameOrigin.status).toBeLessThan(300);
    expect((await send(port, "GET", "/healthz", { host: `localhost:${port}` })).status).toBe(200);
    expect((await send(port, "GET", "/healthz", { host: `[::1]:${port}` })).status).toBe(200);
    expect((await send(port, "GET", "/healthz", { host: `hearth.lan:${port}`, authorization: "Bearer s3cret-token" })).status).toBe(200);
    expect((await fetch(`${t.httpUrl}/`)).status).toBe(200);
  });
});
