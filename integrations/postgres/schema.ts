import { z } from "zod";
import { Duration, Port, Secret } from "../../src/config-kit/common.js";

/** Databases Datadog's check leaves out by default (postgres conf.yaml.example `ignore_databases`). */
const DEFAULT_IGNORED = ["template0", "template1", "rdsadmin", "azure_maintenance", "cloudsqladmin", "alloydbadmin", "alloydbmetadata"];

export const PostgresConfig = z
  .strictObject({
    host: z.string().min(1).default("localhost").meta({ description: "The server's host name or address (tagged `server:`)." }),
    port: Port.default(5432).meta({ description: "The server's port (tagged `port:`)." }),
    username: z.string().min(1).meta({ description: "A user with the pg_monitor role (`GRANT pg_monitor TO hearth;`)." }),
    password: Secret.optional().meta({ description: "The user's password, if the server asks for one. Write ${PG_PASSWORD}." }),
    dbname: z.string().min(1).default("postgres").meta({ description: "The database Hearth connects to; every database's statistics are read from there." }),
    sslmode: z.enum(["disable", "require", "verify-full"]).default("disable").meta({
      description:
        "disable: plain TCP; require: TLS without checking the certificate; verify-full: TLS with the certificate and host name checked against the CAs Node.js trusts.",
    }),
    ignore_databases: z
      .array(z.string())
      .default(DEFAULT_IGNORED)
      .meta({ description: "Databases not reported (Datadog's default list: templates and cloud providers' own)." }),
    min_collection_interval: Duration.prefault(15).meta({ description: "How often statistics are read (seconds, or a duration); Datadog's default is 15." }),
  })
  .meta({ description: "PostgreSQL: the Datadog Postgres check's default metrics, with its names, types and tags." });

export type PostgresConfig = z.output<typeof PostgresConfig>;
