/**
 * PostgreSQL through node-postgres (a bounded pool) and Drizzle ORM: the readiness
 * check, the migrations of drizzle/ (applied under an advisory lock, so that pods
 * starting together migrate once), and closing the pool at shutdown.
 */
import path from "node:path";

import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";

import type { Logger } from "../logger.js";
import * as schema from "./schema.js";

export type Orm = NodePgDatabase<typeof schema>;

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  timeoutMs: number;
}

export interface Database {
  pool: pg.Pool;
  orm: Orm;
  /** Resolves when the database answers `SELECT 1`. */
  ping: () => Promise<void>;
  close: () => Promise<void>;
}

/** The migrations, relative to the working directory: the project root, /app in the image. */
export const MIGRATIONS = path.resolve("drizzle");

/** An arbitrary constant: the key of the advisory lock held while migrating. */
const MIGRATION_LOCK = 7_283_014_552;

export function openDatabase(options: DatabaseOptions, logger: Logger): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.timeoutMs,
    idleTimeoutMillis: 30_000,
  });
  // An idle client's connection dropping must not crash the process.
  pool.on("error", (err) => {
    logger.warn({ err }, "idle database connection failed");
  });
  return {
    pool,
    orm: drizzle(pool, { schema }),
    ping: async () => {
      await pool.query("SELECT 1");
    },
    close: () => pool.end(),
  };
}

/** Applies the pending migrations of drizzle/. */
export async function migrateDatabase(db: Database, logger: Logger): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    try {
      await migrate(drizzle(client, { schema }), { migrationsFolder: MIGRATIONS });
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
  logger.info({ migrations: MIGRATIONS }, "database migrated");
}
