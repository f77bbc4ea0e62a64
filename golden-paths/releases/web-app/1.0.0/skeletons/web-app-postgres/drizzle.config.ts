// drizzle-kit: `npm run db:generate` writes a migration for a schema change,
// `npm run db:migrate` applies them to DATABASE_URL.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./lib/db/schema.ts",
  out: "./drizzle",
  dbCredentials: {
    url: process.env.DATABASE_URL ?? "",
  },
});
