import type pg from "pg";
import { HearthError } from "../../src/kit/errors.js";
import { defineIntegration, type IntegrationContext } from "../../src/integration-host/contract.js";
import { CounterTracker } from "../../src/integration-host/counters.js";
import { requestFailure } from "../../src/integration-host/http.js";
import {
  BGWRITER_COLUMNS,
  bgwriterQuery,
  CONNECTION_COLUMNS,
  CONNECTIONS_QUERY,
  DATABASE_COLUMNS,
  DATABASE_QUERY,
  SERVER_QUERIES,
  TABLE_COUNT_QUERY,
  type Column,
  type ServerQuery,
} from "./metrics.js";
import { PostgresConfig } from "./schema.js";

type Ctx = IntegrationContext<PostgresConfig>;
type Config = Pick<PostgresConfig, "host" | "port" | "username" | "password" | "dbname" | "sslmode">;

const where = (c: Config) => `${c.host}:${c.port}`;
const GRANT = (c: Config) => `GRANT pg_monitor TO ${c.username};`;

/** A PostgreSQL error as the code a homeowner can act on (SQLSTATEs: PostgreSQL docs, Appendix A). */
function pgFailure(c: Config, err: unknown): HearthError {
  if (err instanceof HearthError) return err;
  const { code, message } = err as { code?: string; message?: string };
  if (code === "28P01" || code === "28000")
    return new HearthError("HEARTH_E_INTEGRATION_AUTH", `PostgreSQL at ${where(c)} refused user "${c.username}": ${message}`, { cause: err });
  if (code === "42501")
    return new HearthError("HEARTH_E_POSTGRES_PERMISSION", `PostgreSQL at ${where(c)}: ${message}; as a superuser run: ${GRANT(c)}`, { cause: err });
  if (code && /^[0-9A-Z]{5}$/.test(code))
    return new HearthError("HEARTH_E_INTEGRATION_FAILED", `PostgreSQL at ${where(c)}: ${message} (SQLSTATE ${code})`, { cause: err });
  return requestFailure("PostgreSQL", where(c), err);
}

async function connect(c: Config, instance: string): Promise<pg.Client> {
  // Loaded by the first instance that connects: a house without PostgreSQL does not hold the driver.
  const { default: driver } = await import("pg");
  const client = new driver.Client({
    host: c.host,
    port: c.port,
    user: c.username,
    password: c.password,
    database: c.dbname,
    ssl: c.sslmode === "disable" ? false : { rejectUnauthorized: c.sslmode === "verify-full" },
    // Shows who is asking in pg_stat_activity.
    application_name: `hearth (${instance})`,
    connectionTimeoutMillis: 10_000,
    query_timeout: 15_000,
  });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw pgFailure(c, err);
  }
  return client;
}

const toNumber = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));

/**
 * One instance's collection: each group of metrics is its own query, so a view the user may not
 * read costs only its own metrics (reported once, with the GRANT that fixes it); a lost
 * connection fails the whole instance, and the host reconnects it.
 */
class Collector {
  private readonly counters = new CounterTracker();
  private readonly reported = new Set<string>();
  private readonly baseTags: string[];

  constructor(
    private readonly ctx: Ctx,
    private readonly client: pg.Client,
    private readonly versionNum: number,
  ) {
    this.baseTags = [`server:${ctx.config.host}`, `port:${ctx.config.port}`];
  }

  async collect(): Promise<void> {
    await this.group("pg_stat_database", () => this.databases());
    await this.group("pg_settings", () => this.connections());
    await this.group("pg_stat_bgwriter", () => this.bgwriter());
    await this.group("pg_class", () => this.tableCount());
    for (const q of SERVER_QUERIES) if (this.versionNum >= q.minVersion) await this.group(q.view, () => this.serverQuery(q));
    this.counters.endRound();
  }

  private async group(view: string, read: () => Promise<void>): Promise<void> {
    try {
      await read();
    } catch (err) {
      if ((err as { code?: string }).code !== "42501") throw pgFailure(this.ctx.config, err);
      this.once(view, pgFailure(this.ctx.config, err));
    }
  }

  /** A permission problem is said once per connection, then its metrics are simply absent. */
  private once(key: string, err: HearthError): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.ctx.emit.error(err);
  }

  private emit(cols: readonly Column[], row: Record<string, unknown>, key: string, tags: string[], now: number): void {
    for (const col of cols) {
      const value = toNumber(row[col.column]);
      if (value === undefined || !Number.isFinite(value)) continue;
      if (col.submission === "gauge") {
        this.ctx.emit.gauge(col.metric, value, tags, { time: now, ...(col.unit ? { unit: col.unit } : {}) });
        continue;
      }
      const change = this.counters.change(`${key}/${col.metric}`, value, now);
      if (!change) continue;
      if (col.submission === "rate") this.ctx.emit.gauge(col.metric, change.perSecond, tags, { time: now, unit: `${col.unit ?? "event"}/second` });
      else this.ctx.emit.count(col.metric, change.delta, tags, { time: now, ...(col.unit ? { unit: col.unit } : {}) });
    }
  }

  private async databases(): Promise<void> {
    const { rows } = await this.client.query<Record<string, unknown>>(DATABASE_QUERY, [this.ctx.config.ignore_databases]);
    const now = this.ctx.clock.now();
    for (const row of rows) {
      const db = String(row.datname);
      this.emit(DATABASE_COLUMNS, row, `db/${db}`, [...this.baseTags, `db:${db}`], now);
      if (row.database_size === null) {
        this.once(
          `size/${db}`,
          new HearthError(
            "HEARTH_E_POSTGRES_PERMISSION",
            `PostgreSQL at ${where(this.ctx.config)}: user "${this.ctx.config.username}" may not read the size of database "${db}"; as a superuser run: ${GRANT(this.ctx.config)} (or GRANT CONNECT ON DATABASE "${db}" TO ${this.ctx.config.username};)`,
          ),
        );
      }
    }
    this.ctx.emit.gauge("postgresql.db.count", rows.length, [...this.baseTags, `db:${this.ctx.config.dbname}`], { time: now, unit: "item" });
  }

  private async connections(): Promise<void> {
    const { rows } = await this.client.query<Record<string, unknown>>(CONNECTIONS_QUERY);
    if (rows[0]) this.emit(CONNECTION_COLUMNS, rows[0], "connections", [...this.baseTags, `db:${this.ctx.config.dbname}`], this.ctx.clock.now());
  }

  private async bgwriter(): Promise<void> {
    const { rows } = await this.client.query<Record<string, unknown>>(bgwriterQuery(this.versionNum));
    if (rows[0]) this.emit(BGWRITER_COLUMNS, rows[0], "bgwriter", [...this.baseTags, `db:${this.ctx.config.dbname}`], this.ctx.clock.now());
  }

  private async serverQuery(q: ServerQuery): Promise<void> {
    const { rows } = await this.client.query<Record<string, unknown>>(q.sql, q.perDatabase ? [this.ctx.config.ignore_databases] : []);
    const now = this.ctx.clock.now();
    for (const row of rows) {
      const db = q.perDatabase ? String(row.datname) : this.ctx.config.dbname;
      this.emit(q.columns, row, `${q.view}/${db}`, [...this.baseTags, `db:${db}`], now);
    }
  }

  private async tableCount(): Promise<void> {
    const { rows } = await this.client.query<{ schema: string; tables: number }>(TABLE_COUNT_QUERY);
    const now = this.ctx.clock.now();
    for (const row of rows) {
      this.ctx.emit.gauge("postgresql.table.count", row.tables, [...this.baseTags, `db:${this.ctx.config.dbname}`, `schema:${row.schema}`], {
        time: now,
        unit: "table",
      });
    }
  }
}

async function serverVersion(client: pg.Client): Promise<{ num: number; text: string }> {
  const { rows } = await client.query<{ num: string; text: string }>(
    "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS text",
  );
  return { num: Number(rows[0]!.num), text: rows[0]!.text };
}

/**
 * PostgreSQL statistics as Datadog's Postgres check reports them, for every database of one
 * server through one connection. Several servers are several instances.
 */
export default defineIntegration({
  manifest: { name: "postgres", title: "PostgreSQL" },
  configSchema: PostgresConfig,
  async start(ctx) {
    const client = await connect(ctx.config, ctx.instance);
    // A connection that breaks between queries is reported here, not as an unhandled error.
    client.on("error", (err) => ctx.fail(pgFailure(ctx.config, err)));
    ctx.signal.addEventListener("abort", () => void client.end().catch(() => undefined), { once: true });
    const version = await serverVersion(client).catch((err: unknown) => {
      throw pgFailure(ctx.config, err);
    });
    const collector = new Collector(ctx, client, version.num);
    ctx.every(ctx.config.min_collection_interval, () => collector.collect());
    return client;
  },
  async stop(client) {
    await client.end().catch(() => undefined);
  },
  async probe(config, signal) {
    const client = await connect(config, "probe");
    const onAbort = () => void client.end().catch(() => undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      const version = await serverVersion(client);
      const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM pg_database WHERE NOT (datname = ANY($1::text[]))", [
        config.ignore_databases,
      ]);
      return `PostgreSQL ${version.text} at ${where(config)}, ${rows[0]!.n} databases, as "${config.username}"`;
    } catch (err) {
      throw pgFailure(config, err);
    } finally {
      signal.removeEventListener("abort", onAbort);
      await client.end().catch(() => undefined);
    }
  },
});
