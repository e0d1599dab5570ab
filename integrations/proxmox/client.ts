import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import tls from "node:tls";
import type { Clock } from "../../src/kit/clock.js";
import { HearthError } from "../../src/kit/errors.js";
import { deadline, requestFailure, statusFailure } from "../../src/integration-host/http.js";
import type { ProxmoxConfig } from "./schema.js";

const REQUEST_TIMEOUT_MS = 15_000;
const AUTH_HINT = "check token_id and token_secret, and that the token has the PVEAuditor role on /";

const normalizeFingerprint = (fp: string): string => fp.replace(/:/g, "").toUpperCase();
const formatFingerprint = (hex: string): string => hex.match(/../g)!.join(":");

/**
 * The Proxmox VE API (https://pve.proxmox.com/pve-docs/api-viewer/). Every answer is wrapped in
 * `{"data": …}`; a token goes as `Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET` and
 * needs no CSRF token (pve-docs pveum.adoc).
 *
 * Each cluster signs its certificates with its own CA (pve-docs certificate-management.adoc), so
 * trust is configured: the cluster CA (`ca_file`), one pinned certificate (`fingerprint`), or
 * nothing checked (`insecure`). The TLS handshake finishes and the certificate is checked before
 * the request is written, so a wrong certificate never sees the token.
 */
export class ProxmoxClient {
  private readonly base: URL;
  private readonly ca: Buffer | undefined;

  constructor(
    private readonly config: Pick<ProxmoxConfig, "url" | "token_id" | "token_secret" | "ca_file" | "fingerprint" | "insecure">,
    private readonly clock: Clock,
    private readonly signal: AbortSignal,
  ) {
    this.base = new URL(config.url.replace(/\/+$/, ""));
    this.ca = config.ca_file ? fs.readFileSync(config.ca_file) : undefined;
  }

  get server(): string {
    return `${this.base.origin}/api2/json`;
  }

  /** GET an API path; returns its `data`. */
  async get<T>(path: string): Promise<T> {
    const url = `${this.server}${path}`;
    const d = deadline(this.signal, REQUEST_TIMEOUT_MS, this.clock);
    try {
      const socket = await this.connect(d.signal);
      const { status, body } = await this.request(socket, `${this.base.pathname.replace(/\/$/, "")}/api2/json${path}`, d.signal);
      if (status < 200 || status >= 300) throw statusFailure("Proxmox VE", url, status, AUTH_HINT);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        throw new HearthError("HEARTH_E_INTEGRATION_FAILED", `Proxmox VE at ${url} answered with something that is not JSON`);
      }
      return (parsed as { data: T }).data;
    } catch (err) {
      throw requestFailure("Proxmox VE", url, d.signal.aborted && !this.signal.aborted ? d.signal.reason : err);
    } finally {
      d.done();
    }
  }

  private connect(signal: AbortSignal): Promise<net.Socket> {
    const host = this.base.hostname.replace(/^\[|\]$/g, "");
    const https = this.base.protocol === "https:";
    const port = Number(this.base.port) || (https ? 443 : 80);
    return new Promise((resolve, reject) => {
      const pinned = this.config.fingerprint !== undefined;
      const socket = https
        ? tls.connect({
            host,
            port,
            ...(net.isIP(host) ? {} : { servername: host }),
            ...(this.ca ? { ca: this.ca } : {}),
            rejectUnauthorized: !(pinned || this.config.insecure),
          })
        : net.connect({ host, port });
      const fail = (err: unknown) => {
        socket.destroy();
        reject(err instanceof Error ? err : new Error(String(err)));
      };
      const onAbort = () => fail(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      socket.once("error", fail);
      socket.once(https ? "secureConnect" : "connect", () => {
        signal.removeEventListener("abort", onAbort);
        socket.off("error", fail);
        if (pinned) {
          const presented = (socket as tls.TLSSocket).getPeerCertificate().fingerprint256 ?? "";
          if (normalizeFingerprint(presented) !== normalizeFingerprint(this.config.fingerprint!)) {
            fail(
              new HearthError(
                "HEARTH_E_INTEGRATION_TLS",
                `Proxmox VE at ${this.base.origin} presented a certificate with SHA-256 fingerprint ${formatFingerprint(normalizeFingerprint(presented))}, not the pinned ${formatFingerprint(normalizeFingerprint(this.config.fingerprint!))}`,
              ),
            );
            return;
          }
        }
        resolve(socket);
      });
    });
  }

  private request(socket: net.Socket, path: string, signal: AbortSignal): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          path,
          method: "GET",
          headers: { Accept: "application/json", Authorization: `PVEAPIToken=${this.config.token_id}=${this.config.token_secret}`, Connection: "close" },
          createConnection: () => socket,
          signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end();
    });
  }
}
