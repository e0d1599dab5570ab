import { timingSafeEqual } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { HearthError } from "../kit/errors.js";
import type { Health } from "../kit/health.js";
import type { Logger } from "../kit/log.js";
import { listenOn, stopListening } from "../mqtt/listen.js";
import type { Telemetry } from "../kit/telemetry.js";
import { hubNames, refusal } from "./request-guard.js";
import type { HttpConfig } from "./schema.js";
import { isPublicPath, registerStatusPage } from "./status-page.js";

const LOOPBACK = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);

const isLoopback = (address: string | undefined): boolean => address !== undefined && (LOOPBACK.has(address) || address.startsWith("127."));

function tokenMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith("Bearer ")) return false;
  const given = Buffer.from(header.slice("Bearer ".length));
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * /healthz, /metrics, the JSON API and the status page. Binds to localhost unless told
 * otherwise; any client that is not on this machine must send the configured bearer token.
 * Other parts of the hub add their routes to `app` before `start()`.
 */
export class HttpServer {
  readonly app: FastifyInstance;
  private boundPort: number | undefined;
  private names: Set<string>;
  private readonly refused;

  constructor(
    private config: HttpConfig,
    /** The top-level `host:`: one more name the hub answers to. */
    private hubHost: string | undefined,
    private readonly health: Health,
    private readonly telemetry: Telemetry,
    private readonly log: Logger,
    private readonly about: () => Record<string, unknown>,
  ) {
    this.names = hubNames(config.host, hubHost, config.allowed_hosts);
    this.refused = telemetry.counter("http_refused_total", "HTTP requests refused for a foreign Host or a cross-origin change, by code.", ["code"]);
    for (const code of ["HEARTH_E_HTTP_FORBIDDEN_HOST", "HEARTH_E_HTTP_FORBIDDEN_ORIGIN"]) this.refused.inc({ code }, 0);
    this.app = Fastify({ logger: false });
    this.app.addHook("onRequest", async (req: FastifyRequest, reply: FastifyReply) => this.authorize(req, reply));
    registerStatusPage(this.app);
    this.app.get("/healthz", async (_req, reply) => {
      const status = this.health.status();
      return reply.code(status === "down" ? 503 : 200).send({ status, ...this.about(), components: this.health.snapshot() });
    });
    this.app.get("/metrics", async (_req, reply) => reply.type(this.telemetry.registry.contentType).send(await this.telemetry.registry.metrics()));
  }

  get port(): number | undefined {
    return this.boundPort;
  }

  private async authorize(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const header = (name: string) => (typeof req.headers[name] === "string" ? req.headers[name] : undefined);
    // A valid bearer token is proof enough: a foreign page cannot know it, whatever name it used.
    const bearer = this.config.token !== undefined && tokenMatches(req.headers.authorization, this.config.token);
    const refused = bearer
      ? undefined
      : refusal(
          { method: req.method, host: header("host"), origin: header("origin"), fetchSite: header("sec-fetch-site"), contentType: header("content-type") },
          this.names,
        );
    if (refused) {
      this.refused.inc({ code: refused.code });
      this.log.warn(
        { code: refused.code, remote: req.socket.remoteAddress, url: req.url, host: header("host"), origin: header("origin") },
        `HTTP request refused: ${refused.why}`,
      );
      return void (await reply.code(403).send({ error: refused.why, code: refused.code }));
    }
    if (isPublicPath(req.url) || isLoopback(req.socket.remoteAddress)) return;
    if (this.config.token && tokenMatches(req.headers.authorization, this.config.token)) return;
    this.log.warn({ code: "HEARTH_E_HTTP_UNAUTHORIZED", remote: req.socket.remoteAddress, url: req.url }, "HTTP request refused: no valid bearer token");
    await reply
      .code(401)
      .header("www-authenticate", 'Bearer realm="hearth"')
      .send({
        error: this.config.token ? "a valid bearer token is required" : "only this machine may ask: set http.token to allow others",
        code: "HEARTH_E_HTTP_UNAUTHORIZED",
      });
  }

  async start(): Promise<void> {
    await this.app.ready();
    await this.listen();
  }

  private async listen(): Promise<void> {
    try {
      this.boundPort = await listenOn(this.app.server, this.config.host, this.config.port, "HTTP", "http.port", "HEARTH_HTTP_PORT");
    } catch (err) {
      this.health.set("http", "down", { detail: err instanceof HearthError ? err.message : String(err) });
      throw err;
    }
    this.health.set("http", "ok", { info: { http_port: this.boundPort, http_host: this.config.host } });
    if (!isLoopback(this.config.host) && !this.config.token)
      this.log.warn({ host: this.config.host }, "HTTP listens beyond this machine without http.token: other machines will be refused until one is set");
    this.log.info({ host: this.config.host, port: this.boundPort }, `HTTP listening on http://${this.config.host}:${this.boundPort}/`);
  }

  async reconfigure(config: HttpConfig, hubHost: string | undefined): Promise<void> {
    const relisten = config.host !== this.config.host || config.port !== this.config.port;
    this.config = config;
    this.hubHost = hubHost;
    this.names = hubNames(config.host, hubHost, config.allowed_hosts);
    if (!relisten) return;
    stopListening(this.app.server);
    this.app.server.closeAllConnections();
    await this.listen();
  }

  async stop(): Promise<void> {
    await this.app.close();
    this.health.set("http", "down", { detail: "stopped" });
  }
}
