// Runs once when the server starts: applies the migrations in drizzle/ when
// MIGRATE_ON_START is true (the container image's default; compose and Kubernetes
// set it). Next calls register() in every runtime; the database lives in Node.js only.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.MIGRATE_ON_START !== "true") {
    return;
  }
  const { migrateDatabase } = await import("./lib/db");
  await migrateDatabase();
}
