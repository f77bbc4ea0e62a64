/**
 * Where backing services are opened: their readiness checks for /readyz, their
 * routes, and how to close them at shutdown. Here: PostgreSQL (src/db), migrated at
 * startup unless MIGRATE_ON_START=false, and the example /v1/items resource on it.
 */
import type { Dependencies } from "./app.js";
import type { Config } from "./config.js";
import { migrateDatabase, openDatabase } from "./db/index.js";
import type { Logger } from "./logger.js";
import { itemsRouter } from "./routes/items.js";

export async function openDependencies(config: Config, logger: Logger): Promise<Dependencies> {
  const db = openDatabase(config.database, logger);
  if (config.database.migrateOnStart) {
    try {
      await migrateDatabase(db, logger);
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  return {
    checks: [{ name: "postgres", check: db.ping }],
    routes: [{ path: "/v1/items", router: itemsRouter(db.orm) }],
    close: db.close,
  };
}
