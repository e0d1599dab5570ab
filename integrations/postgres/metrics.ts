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
