import https from "node:https";
import type { AddressInfo } from "node:net";
import type { SelfSigned } from "./tls.js";
import { closeNow } from "./ports.js";

/**
 * A local HTTPS server that answers as the Proxmox VE API does
 * (https://pve.proxmox.com/pve-docs/api-viewer/): paths under /api2/json, answers wrapped in
 * `{"data": …}`, a `PVEAPIToken=` header required, and a self-signed certificate.
 */
export class ProxmoxServer {
  /** Path (after /api2/json) → the answer's `data`; change it between polls. */
  readonly routes = new Map<string, unknown>();
  readonly requests: { path: string; authorization: string | undefined }[] = [];
  private server: https.Server | undefined;

  constructor(
    private readonly tls: SelfSigned,
    private readonly token: string,
  ) {}

  get url(): string {
    return `https://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = https.createServer({ key: this.tls.key, cert: this.tls.cert }, (req, res) => {
      const path = (req.url ?? "/").split("?")[0]!.replace(/^\/api2\/json/, "");
      this.requests.push({ path, authorization: req.headers.authorization });
      if (req.headers.authorization !== `PVEAPIToken=${this.token}`) {
        res.writeHead(401, "No ticket").end();
        return;
      }
      if (!this.routes.has(path)) {
        res
          .writeHead(501, { "Content-Type": "application/json" })
          .end(JSON.stringify({ data: null, errors: { path: `Method 'GET ${path}' not implemented` } }));
        return;
      }
      res.writeHead(200, { "Content-Type": "application/json;charset=UTF-8" }).end(JSON.stringify({ data: this.routes.get(path) }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return this;
  }

  count(path: string): number {
    return this.requests.filter((r) => r.path === path).length;
  }

  async stop(): Promise<void> {
    await closeNow(this.server);
  }
}
