/**
 * `npm run db:migrate` (node dist/src/migrate.js): apply the pending migrations of
 * drizzle/ to DATABASE_URL and exit, e.g. as a Job before a deploy that runs with
 * MIGRATE_ON_START=false.
 */
import { ConfigError, loadConfig } from "./config.js";
import { migrateDatabase, openDatabase } from "./db/index.js";
import { createLogger } from "./logger.js";

try {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const db = openDatabase(config.database, logger);
  try {
    await migrateDatabase(db, logger);
  } finally {
    await db.close();
  }
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
}
