// The PostgreSQL pool (node-postgres) and its Drizzle client: one per process, opened
// on first use from DATABASE_URL, so that `next build` needs no database.
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { Pool } from "pg";

import * as schema from "./schema";

export type Database = NodePgDatabase<typeof schema> & { $client: Pool };

const globalKey = Symbol.for("web-app.database");

function open(): Database {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error("DATABASE_URL is not set (postgres://USER:PASSWORD@HOST:5432/DB)");
  }
  const pool = new Pool({
    connectionString: url,
    max: Number(process.env.DB_MAX_OPEN_CONNS ?? "10"),
    connectionTimeoutMillis: 2_000,
    idleTimeoutMillis: 30_000,
  });
  return drizzle(pool, { schema });
}

// The process's database client (kept on globalThis: Next may load this module in
// several bundles, and the dev server reloads it).
export function db(): Database {
  const holder = globalThis as unknown as Record<symbol, Database | undefined>;
  holder[globalKey] ??= open();
  return holder[globalKey];
}

// Apply the SQL migrations of drizzle/ that the database has not seen yet.
export async function migrateDatabase(folder = "drizzle"): Promise<void> {
  await migrate(db(), { migrationsFolder: folder });
}

// Close the pool (tests, shutdown).
export async function closeDatabase(): Promise<void> {
  const holder = globalThis as unknown as Record<symbol, Database | undefined>;
  const current = holder[globalKey];
  holder[globalKey] = undefined;
  await current?.$client.end();
}
