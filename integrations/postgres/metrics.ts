/**
 * The Datadog Postgres check's default metrics (integrations-core postgres/datadog_checks/
 * postgres/util.py and metadata.csv; the project's postgres_metrics.csv): the same names, the
 * same submission (a `rate` is the per-second change between two runs, stored by Datadog as a
 * gauge; a `monotonic_count` is the change itself, stored as a count) and the same views.
 */
type Submission = "gauge" | "rate" | "monotonic_count";

export interface Column {
  column: string;
  metric: string;
  submission: Submission;
  /** Datadog's unit; a rate is that unit per second. */
  unit?: string;
}

/** pg_stat_database joined to pg_database, one row per database, tagged `db:<datname>`. */
export const DATABASE_COLUMNS: readonly Column[] = [
  { column: "numbackends", metric: "postgresql.connections", submission: "gauge", unit: "connection" },
  { column: "xact_commit", metric: "postgresql.commits", submission: "rate", unit: "transaction" },
  { column: "xact_rollback", metric: "postgresql.rollbacks", submission: "rate", unit: "transaction" },
  { column: "blks_read", metric: "postgresql.disk_read", submission: "rate", unit: "block" },
  { column: "blks_hit", metric: "postgresql.buffer_hit", submission: "rate", unit: "hit" },
  { column: "tup_returned", metric: "postgresql.rows_returned", submission: "rate", unit: "row" },
  { column: "tup_fetched", metric: "postgresql.rows_fetched", submission: "rate", unit: "row" },
  { column: "tup_inserted", metric: "postgresql.rows_inserted", submission: "rate", unit: "row" },
  { column: "tup_updated", metric: "postgresql.rows_updated", submission: "rate", unit: "row" },
  { column: "tup_deleted", metric: "postgresql.rows_deleted", submission: "rate", unit: "row" },
  { column: "deadlocks", metric: "postgresql.deadlocks", submission: "rate", unit: "lock" },
  { column: "deadlocks", metric: "postgresql.deadlocks.count", submission: "monotonic_count", unit: "lock" },
  { column: "temp_bytes", metric: "postgresql.temp_bytes", submission: "rate", unit: "byte" },
  { column: "temp_files", metric: "postgresql.temp_files", submission: "rate", unit: "file" },
  { column: "before_xid_wraparound", metric: "postgresql.before_xid_wraparound", submission: "gauge", unit: "transaction" },
  { column: "database_size", metric: "postgresql.database_size", submission: "gauge", unit: "byte" },
];

/**
 * pg_database_size needs CONNECT on the database or pg_read_all_stats (PostgreSQL docs,
 * "Database Object Size Functions"); asking for it where it is not allowed would fail the whole
 * query, so such a database's size comes back NULL and is reported once.
 */
export const DATABASE_QUERY = `
SELECT d.datname,
       s.numbackends, s.xact_commit, s.xact_rollback, s.blks_read, s.blks_hit,
       s.tup_returned, s.tup_fetched, s.tup_inserted, s.tup_updated, s.tup_deleted,
       s.deadlocks, s.temp_bytes, s.temp_files,
       2^31 - age(d.datfrozenxid) AS before_xid_wraparound,
       CASE WHEN has_database_privilege(d.datname, 'CONNECT') OR pg_has_role('pg_read_all_stats', 'MEMBER')
            THEN pg_database_size(d.datname) END AS database_size
  FROM pg_stat_database s
  JOIN pg_database d ON d.datname = s.datname
 WHERE NOT (d.datname = ANY($1::text[]))`;

/** max_connections and the share in use, over every database (util.py CONNECTION_METRICS). */
export const CONNECTIONS_QUERY = `
SELECT MAX(setting)::float AS max_connections,
       SUM(numbackends) / MAX(setting)::float AS percent_usage_connections
  FROM pg_settings, pg_stat_database
 WHERE name = 'max_connections'`;

export const CONNECTION_COLUMNS: readonly Column[] = [
  { column: "max_connections", metric: "postgresql.max_connections", submission: "gauge", unit: "connection" },
  { column: "percent_usage_connections", metric: "postgresql.percent_usage_connections", submission: "gauge", unit: "fraction" },
];

/** User tables of the connected database per schema (util.py COUNT_METRICS), tagged `schema:`. */
export const TABLE_COUNT_QUERY = `
SELECT n.nspname AS schema, count(*)::int AS tables
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg_toast%'
 GROUP BY n.nspname`;

/** The background writer, all monotonic counts (util.py QUERY_PG_BGWRITER_CHECKPOINTER, COMMON_BGW_METRICS_LT_17). */
export const BGWRITER_COLUMNS: readonly Column[] = [
  { column: "checkpoints_timed", metric: "postgresql.bgwriter.checkpoints_timed", submission: "monotonic_count" },
  { column: "checkpoints_req", metric: "postgresql.bgwriter.checkpoints_requested", submission: "monotonic_count" },
  { column: "buffers_checkpoint", metric: "postgresql.bgwriter.buffers_checkpoint", submission: "monotonic_count" },
  { column: "buffers_clean", metric: "postgresql.bgwriter.buffers_clean", submission: "monotonic_count" },
  { column: "maxwritten_clean", metric: "postgresql.bgwriter.maxwritten_clean", submission: "monotonic_count" },
  { column: "buffers_backend", metric: "postgresql.bgwriter.buffers_backend", submission: "monotonic_count", unit: "buffer" },
  { column: "buffers_alloc", metric: "postgresql.bgwriter.buffers_alloc", submission: "monotonic_count" },
  { column: "buffers_backend_fsync", metric: "postgresql.bgwriter.buffers_backend_fsync", submission: "monotonic_count" },
  { column: "checkpoint_write_time", metric: "postgresql.bgwriter.write_time", submission: "monotonic_count", unit: "millisecond" },
  { column: "checkpoint_sync_time", metric: "postgresql.bgwriter.sync_time", submission: "monotonic_count", unit: "millisecond" },
];

/**
 * Before PostgreSQL 17 every column is in pg_stat_bgwriter. From 17 the checkpoint columns
 * moved to pg_stat_checkpointer under new names, and buffers_backend(_fsync) are gone (PostgreSQL
 * 17 release notes, "Monitoring"); the aliases keep one table of metrics for both.
 */
export function bgwriterQuery(serverVersionNum: number): string {
  if (serverVersionNum < 170000) {
    return `SELECT checkpoints_timed, checkpoints_req, buffers_checkpoint, buffers_clean, maxwritten_clean,
                   buffers_backend, buffers_alloc, buffers_backend_fsync, checkpoint_write_time, checkpoint_sync_time
              FROM pg_stat_bgwriter`;
  }
  return `SELECT c.num_timed AS checkpoints_timed, c.num_requested AS checkpoints_req, c.buffers_written AS buffers_checkpoint,
                 b.buffers_clean, b.maxwritten_clean, b.buffers_alloc, c.write_time AS checkpoint_write_time, c.sync_time AS checkpoint_sync_time
            FROM pg_stat_checkpointer c, pg_stat_bgwriter b`;
}

/**
 * The check's other default queries, each on the server versions that have its view
 * (integrations-core postgres/datadog_checks/postgres/util.py and postgres.py `dynamic_queries`).
 * `perDatabase` rows carry `db:<datname>`, the others the connected database's `db:`.
 */
export interface ServerQuery {
  /** The view, as a permission problem names it. */
  view: string;
  minVersion: number;
  perDatabase: boolean;
  /** `$1` is the databases ignored, for per-database queries. */
  sql: string;
  columns: readonly Column[];
}

const notIgnored = "NOT (datname = ANY($1::text[]))";

export const SERVER_QUERIES: readonly ServerQuery[] = [
  {
    // QUERY_PG_STAT_DATABASE_CONFLICTS: queries a standby cancelled; zero on a primary, sent all the same.
    view: "pg_stat_database_conflicts",
    minVersion: 90100,
    perDatabase: true,
    sql: `SELECT datname, confl_tablespace, confl_lock, confl_snapshot, confl_bufferpin, confl_deadlock FROM pg_stat_database_conflicts WHERE ${notIgnored}`,
    columns: [
      { column: "confl_tablespace", metric: "postgresql.conflicts.tablespace", submission: "monotonic_count", unit: "query" },
      { column: "confl_lock", metric: "postgresql.conflicts.lock", submission: "monotonic_count", unit: "query" },
      { column: "confl_snapshot", metric: "postgresql.conflicts.snapshot", submission: "monotonic_count", unit: "query" },
      { column: "confl_bufferpin", metric: "postgresql.conflicts.bufferpin", submission: "monotonic_count", unit: "query" },
      { column: "confl_deadlock", metric: "postgresql.conflicts.deadlock", submission: "monotonic_count", unit: "query" },
    ],
  },
  {
    // NEWER_14_METRICS: pg_stat_database's session columns, PostgreSQL 14 and later.
    view: "pg_stat_database",
    minVersion: 140000,
    perDatabase: true,
    sql: `SELECT datname, session_time, active_time, idle_in_transaction_time, sessions, sessions_abandoned, sessions_fatal, sessions_killed FROM pg_stat_database WHERE datname IS NOT NULL AND ${notIgnored}`,
    columns: [
      { column: "session_time", metric: "postgresql.sessions.session_time", submission: "monotonic_count", unit: "millisecond" },
      { column: "active_time", metric: "postgresql.sessions.active_time", submission: "monotonic_count", unit: "millisecond" },
      { column: "idle_in_transaction_time", metric: "postgresql.sessions.idle_in_transaction_time", submission: "monotonic_count", unit: "millisecond" },
      { column: "sessions", metric: "postgresql.sessions.count", submission: "monotonic_count", unit: "session" },
      { column: "sessions_abandoned", metric: "postgresql.sessions.abandoned", submission: "monotonic_count", unit: "session" },
      { column: "sessions_fatal", metric: "postgresql.sessions.fatal", submission: "monotonic_count", unit: "session" },
      { column: "sessions_killed", metric: "postgresql.sessions.killed", submission: "monotonic_count", unit: "session" },
    ],
  },
  {
    // QUERY_PG_UPTIME.
    view: "pg_postmaster_start_time",
    minVersion: 0,
    perDatabase: false,
    sql: "SELECT FLOOR(EXTRACT(EPOCH FROM current_timestamp - pg_postmaster_start_time())) AS uptime",
    columns: [{ column: "uptime", metric: "postgresql.uptime", submission: "gauge", unit: "second" }],
  },
  {
    // QUERY_PG_CONTROL_CHECKPOINT (PostgreSQL 10 and later).
    view: "pg_control_checkpoint",
    minVersion: 100000,
    perDatabase: false,
    sql: "SELECT timeline_id, EXTRACT(EPOCH FROM now() - checkpoint_time) AS checkpoint_delay FROM pg_control_checkpoint()",
    columns: [
      { column: "timeline_id", metric: "postgresql.control.timeline_id", submission: "gauge" },
      { column: "checkpoint_delay", metric: "postgresql.control.checkpoint_delay", submission: "gauge", unit: "second" },
    ],
  },
  {
    // SNAPSHOT_TXID_METRICS (pg_current_snapshot, PostgreSQL 13 and later).
    view: "pg_current_snapshot",
    minVersion: 130000,
    perDatabase: false,
    sql: `WITH snap AS (SELECT pg_current_snapshot() AS s)
          SELECT pg_snapshot_xmin(s)::text::numeric AS xmin, pg_snapshot_xmax(s)::text::numeric AS xmax,
                 (SELECT count(*) FROM pg_snapshot_xip((SELECT s FROM snap))) AS xip_count
            FROM snap`,
    columns: [
      { column: "xmin", metric: "postgresql.snapshot.xmin", submission: "gauge" },
      { column: "xmax", metric: "postgresql.snapshot.xmax", submission: "gauge" },
      { column: "xip_count", metric: "postgresql.snapshot.xip_count", submission: "gauge" },
    ],
  },
  {
    // STAT_WAL_METRICS_LT_18 (pg_stat_wal, PostgreSQL 14 to 17; 18 moved the write/sync columns to pg_stat_io).
    view: "pg_stat_wal",
    minVersion: 140000,
    perDatabase: false,
    sql: "SELECT wal_records, wal_fpi, wal_bytes, wal_buffers_full, wal_write, wal_sync, wal_write_time, wal_sync_time FROM pg_stat_wal",
    columns: [
      { column: "wal_records", metric: "postgresql.wal.records", submission: "monotonic_count", unit: "record" },
      { column: "wal_fpi", metric: "postgresql.wal.full_page_images", submission: "monotonic_count", unit: "page" },
      { column: "wal_bytes", metric: "postgresql.wal.bytes", submission: "monotonic_count", unit: "byte" },
      { column: "wal_buffers_full", metric: "postgresql.wal.buffers_full", submission: "monotonic_count" },
      { column: "wal_write", metric: "postgresql.wal.write", submission: "monotonic_count", unit: "write" },
      { column: "wal_sync", metric: "postgresql.wal.sync", submission: "monotonic_count" },
      { column: "wal_write_time", metric: "postgresql.wal.write_time", submission: "monotonic_count", unit: "millisecond" },
      { column: "wal_sync_time", metric: "postgresql.wal.sync_time", submission: "monotonic_count", unit: "millisecond" },
    ],
  },
  {
    // WAL_FILE_METRICS (pg_ls_waldir, PostgreSQL 10 and later; needs pg_monitor).
    view: "pg_ls_waldir",
    minVersion: 100000,
    perDatabase: false,
    sql: "SELECT count(*) AS wal_count, sum(size) AS wal_size, EXTRACT(EPOCH FROM now() - min(modification)) AS wal_age FROM pg_ls_waldir()",
    columns: [
      { column: "wal_count", metric: "postgresql.wal_count", submission: "gauge", unit: "file" },
      { column: "wal_size", metric: "postgresql.wal_size", submission: "gauge", unit: "byte" },
      { column: "wal_age", metric: "postgresql.wal_age", submission: "gauge", unit: "second" },
    ],
  },
  {
    // COMMON_ARCHIVER_METRICS (pg_stat_archiver, PostgreSQL 9.4 and later).
    view: "pg_stat_archiver",
    minVersion: 90400,
    perDatabase: false,
    sql: "SELECT archived_count, failed_count FROM pg_stat_archiver",
    columns: [
      { column: "archived_count", metric: "postgresql.archiver.archived_count", submission: "monotonic_count" },
      { column: "failed_count", metric: "postgresql.archiver.failed_count", submission: "monotonic_count" },
    ],
  },
];
