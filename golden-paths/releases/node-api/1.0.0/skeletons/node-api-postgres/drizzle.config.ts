// drizzle-kit (`npm run db:generate`): writes the SQL migration of each change of
// src/db/schema.ts into drizzle/, from the last snapshot in drizzle/meta/.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema.ts",
  out: "./drizzle",
});
