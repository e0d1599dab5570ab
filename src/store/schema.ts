import { z } from "zod";
import { ByteSize, Duration } from "../config-kit/common.js";

export const StorageConfig = z
  .strictObject({
    dir: z.string().min(1).default("data").meta({ description: "Where Hearth keeps its local store, hearth.db (HEARTH_DATA_DIR overrides)." }),
    max_bytes: ByteSize.prefault("1GB")
      .refine((n) => n >= 1_048_576, { message: "the store needs at least 1MiB" })
      .meta({
        description:
          'The most the store may hold. When full, history that every sink has delivered goes first, then the oldest undelivered points (counted as hearth_store_points_dropped_total{reason="space"}).',
      }),
    retention: Duration.prefault("7d")
      .refine((ms) => ms >= 3_600_000, { message: "keep at least 1h, the window /api/series and Datadog's intake rely on" })
      .meta({ description: "How long points are kept for /api/series and later delivery (at least 1h)." }),
  })
  .meta({ description: "The local store: every aggregated point is written here before anything is sent." });

export type StorageConfig = z.output<typeof StorageConfig>;
