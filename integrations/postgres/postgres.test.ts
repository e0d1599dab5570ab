import fs from "node:fs";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Sample } from "../../src/pipeline/sample.js";
import { startTestHub, type TestHub } from "../../test/helpers/hub.js";
import { sampleInstance } from "../../test/helpers/samples.js";
import { waitFor } from "../../test/helpers/wait.js";

/** The machine's PostgreSQL (trust auth). The test works in a database and a role of its own, so concurrent runs never meet. */
const ADMIN = { host: "127.0.0.1", port: 5432, user: "postgres", database: "test" };
const suffix = `${process.pid}_${Date.now().toString(36)}`;
const DB = `hearth_pg_${suffix}`;
const LIMITED = `hearth_limited_${suffix}`;
/** A schema of this run's own in the shared `test` database, for postgresql.table.count. */
const SCHEMA = `hearth_tables_${suffix}`;

async function admin<T>(fn: (c: pg.Client) => Promise<T>, database = ADMIN.database): Promise<T> {
  const c = new pg.Client({ ...ADMIN, database });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Datadog's metric list: name → stored type, for the rows the check collects by default. */
function datadogDefaults(): Map<string, string> {
  const text = fs.readFileSync(new URL("./testdata/postgres_metrics.csv", import.meta.url), "utf8");
  const rows = text
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((f) => f.replace(/,$/, "").replace(/^"|"$/g, "")));
  return new Map(rows.filter((r) => r[9]!.startsWith("default")).map((r) => [r[0]!, r[1]!]));
}

let hub: TestHub | undefined;
beforeAll(async () => {
  await admin(async (c) => {
    await c.query(`CREATE DATABASE ${DB}`);
    await c.query(`CREATE ROLE ${LIMITED} LOGIN`);
    // The limited user may not connect to this database, so may not read its size.
    await c.query(`REVOKE CONNECT ON DATABASE ${DB} FROM PUBLIC`);
    await c.query(`CREATE SCHEMA ${SCHEMA}`);
    await c.query(`CREATE TABLE ${SCHEMA}.plugs (id int)`);
    await c.query(`CREATE TABLE ${SCHEMA}.tanks (id int)`);
  });
  // Autovacuum would add transactions of its own to the database's counters.
  await admin((c) => c.query("CREATE TABLE readings (id int PRIMARY KEY, v int) WITH (autovacuum_enabled = false)"), DB);
});
afterEach(async () => {
  await hub?.stop();
  hub = undefined;
});
afterAll(async () => {
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await c.query(`DROP ROLE IF EXISTS ${LIMITED}`);
    await c.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  });
});

/** The shipped sample.yaml, pointed at this machine's server. */
async function start(instances: Record<string, Record<string, unknown>>): Promise<TestHub> {
  const { instance } = sampleInstance("postgres");
  const config = Object.fromEntries(
    Object.entries(instances).map(([name, o]) => [
      name,
      { ...instance, host: "127.0.0.1", username: "postgres", dbname: "test", min_collection_interval: 1, ...o },
    ]),
  );
  hub = await startTestHub({ config: { integrations: config }, env: { PG_PASSWORD: "not-asked-by-trust-auth" } });
  return hub;
}

const has = (s: Sample, ...tags: string[]) => tags.every((t) => s.tags.includes(t));
const healthOf = async (t: TestHub) =>
  (await (await fetch(`${t.httpUrl}/healthz`)).json()) as { components: Record<string, { state: string; info?: Record<string, unknown> }> };

describe("PostgreSQL", () => {
  it("reports every default metric of Datadog's check with its name, type and tags, for several databases and servers side by side", async () => {
    const t = await start({ db: {}, db_local: { host: "localhost" }, gone: { port: 1 } });
    // Counts and rates need two readings: wait for the last of them (the archiver's, read last) on both servers.
    const done = (server: string) => t.samples.some((s) => s.metric === "postgresql.archiver.failed_count" && has(s, server));
    await waitFor(() => done("server:127.0.0.1") && done("server:localhost"), "two polls of both servers", 20_000);
    const ours = t.samples.filter((s) => has(s, "server:127.0.0.1"));

    const expected = datadogDefaults();
    const got = new Map(ours.filter((s) => s.metric.startsWith("postgresql.")).map((s) => [s.metric, s.kind]));
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [metric, kind] of got) expect(kind, metric).toBe(expected.get(metric));

    // Per-database rows for every database, the instance's own tags on everything.
    const sizes = ours.filter((s) => s.metric === "postgresql.database_size");
    expect(sizes.some((s) => has(s, "db:test", "port:5432", "service:home-db"))).toBe(true);
    expect(sizes.some((s) => has(s, `db:${DB}`))).toBe(true);
    expect(sizes.some((s) => s.tags.includes("db:template1"))).toBe(false);
    // Per-database views tagged with their database; server-wide ones with the connected one.
    expect(ours.some((s) => s.metric === "postgresql.conflicts.lock" && has(s, `db:${DB}`, "port:5432"))).toBe(true);
    expect(ours.some((s) => s.metric === "postgresql.sessions.count" && has(s, `db:${DB}`))).toBe(true);
    for (const metric of [
      "postgresql.uptime",
      "postgresql.control.checkpoint_delay",
      "postgresql.snapshot.xmax",
      "postgresql.wal.bytes",
      "postgresql.wal_size",
    ]) {
      expect(
        ours.filter((s) => s.metric === metric).every((s) => has(s, "db:test", "port:5432", "service:home-db")),
        metric,
      ).toBe(true);
    }
    expect(ours.find((s) => s.metric === "postgresql.uptime")!.value).toBeGreaterThan(0);
    const commits = ours.find((s) => s.metric === "postgresql.commits")!;
    expect(commits.unit).toBe("transaction/second");
    expect(ours.find((s) => s.metric === "postgresql.table.count" && has(s, "db:test", `schema:${SCHEMA}`))!.value).toBe(2);
    const pct = ours.find((s) => s.metric === "postgresql.percent_usage_connections")!;
    expect(pct.value).toBeGreaterThan(0);
    expect(pct.value).toBeLessThan(1);

    const h = await healthOf(t);
    expect(h.components["integration:db"]!.state).toBe("ok");
    expect(h.components["integration:db_local"]!.state).toBe("ok");
    expect(h.components["integration:gone"]).toMatchObject({ state: "degraded", info: { code: "HEARTH_E_INTEGRATION_UNREACHABLE" } });
  });

  it("computes per-second rates from counter deltas that add up to the activity generated, as pg_stat_database counts it", async () => {
    const t = await start({ db: {} });
    const series = (metric: string) => t.samples.filter((s) => s.metric === metric && has(s, `db:${DB}`));
    // A rate needs two readings: wait for one, so the activity below falls after a baseline.
    await waitFor(() => series("postgresql.rows_inserted").length > 0, "a first rate", 20_000);
    const mark = new Map(["commits", "rollbacks", "rows_inserted", "rows_updated", "rows_deleted"].map((m) => [m, series(`postgresql.${m}`).length]));
    const stat = () =>
      admin(async (c) => {
        await c.query("SELECT pg_stat_clear_snapshot()");
        const { rows } = await c.query<Record<string, string>>(
          "SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted FROM pg_stat_database WHERE datname = $1",
          [DB],
        );
        return Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]));
      });
    const before = await stat();

    // Three committed statements and one rolled-back transaction; ending the session flushes its
    // statistics. PostgreSQL counts the session's start as a committed transaction of its own
    // (the backend reads the catalogs while logging in): 3 + 1 commits.
    await admin(async (c) => {
      await c.query("INSERT INTO readings SELECT g, g FROM generate_series(1, 500) g");
      await c.query("UPDATE readings SET v = v + 1 WHERE id <= 120");
      await c.query("DELETE FROM readings WHERE id > 450");
      await c.query("BEGIN");
      await c.query("SELECT count(*) FROM readings");
      await c.query("ROLLBACK");
    }, DB);
    await waitFor(async () => (await stat()).tup_deleted! > before.tup_deleted!, "the statistics to be flushed");
    const after = await stat();
    expect({
      commits: after.xact_commit! - before.xact_commit!,
      rollbacks: after.xact_rollback! - before.xact_rollback!,
      inserted: after.tup_inserted! - before.tup_inserted!,
      updated: after.tup_updated! - before.tup_updated!,
      deleted: after.tup_deleted! - before.tup_deleted!,
    }).toEqual({
      commits: 4,
      rollbacks: 1,
      inserted: 500,
      updated: 120,
      deleted: 50,
    });

    // Two polls after the flush; then each rate times its interval, summed, is the change in the counter.
    const polls = series("postgresql.rows_inserted").length;
    await waitFor(() => series("postgresql.rows_inserted").length >= polls + 2, "two more polls", 20_000);
    const total = (metric: string) => {
      const all = series(`postgresql.${metric}`);
      let sum = 0;
      for (let i = Math.max(1, mark.get(metric)!); i < all.length; i++) sum += all[i]!.value * ((all[i]!.time - all[i - 1]!.time) / 1000);
      return Math.round(sum * 1e6) / 1e6;
    };
    expect({
      commits: total("commits"),
      rollbacks: total("rollbacks"),
      inserted: total("rows_inserted"),
      updated: total("rows_updated"),
      deleted: total("rows_deleted"),
    }).toEqual({
      commits: 4,
      rollbacks: 1,
      inserted: 500,
      updated: 120,
      deleted: 50,
    });
    expect(series("postgresql.rows_inserted").every((s) => s.kind === "gauge" && s.value >= 0)).toBe(true);
  });

  it("reconnects after its connection is dropped", async () => {
    const t = await start({ db: {} });
    const backend = () =>
      admin(async (c) => (await c.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'hearth (db)'")).rows.map((r) => r.pid));
    await waitFor(async () => (await backend()).length === 1, "the connection");
    const [first] = await backend();
    await admin((c) => c.query("SELECT pg_terminate_backend($1)", [first]));
    await waitFor(
      async () => {
        const pids = await backend();
        return pids.length === 1 && pids[0] !== first;
      },
      "a new connection",
      20_000,
    );
    const mark = t.samples.length;
    await waitFor(() => t.samples.slice(mark).some((s) => s.metric === "postgresql.connections"), "samples again", 20_000);
    expect((await healthOf(t)).components["integration:db"]!.state).toBe("ok");
    expect(t.logs.find((e) => e.instance === "db" && e.code !== undefined && String(e.msg).includes("retrying"))).toBeDefined();
  });

  it("says once, with the GRANT that fixes it, what a user without pg_monitor may not read, and collects the rest", async () => {
    const t = await start({ db: { username: LIMITED } });
    await waitFor(() => t.samples.filter((s) => s.metric === "postgresql.connections" && has(s, `db:${DB}`)).length >= 3, "three polls", 20_000);
    // Said once per thing it may not read: the database's size, and the WAL directory.
    await waitFor(
      () => t.logs.entries.some((e) => e.code === "HEARTH_E_POSTGRES_PERMISSION" && String(e.msg).includes("pg_ls_waldir")),
      "the WAL directory refused",
    );
    const warnings = t.logs.entries.filter((e) => e.code === "HEARTH_E_POSTGRES_PERMISSION" && String(e.msg).includes(`database "${DB}"`));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]!.msg)).toContain(`database "${DB}"`);
    expect(String(warnings[0]!.msg)).toContain(`GRANT pg_monitor TO ${LIMITED};`);
    expect(t.samples.some((s) => s.metric === "postgresql.database_size" && has(s, `db:${DB}`))).toBe(false);
    expect(t.samples.some((s) => s.metric === "postgresql.database_size" && has(s, "db:test"))).toBe(true);
    const h = await healthOf(t);
    expect(h.components["integration:db"]).toMatchObject({ state: "ok", info: { last_error_code: "HEARTH_E_POSTGRES_PERMISSION" } });
  });
});
