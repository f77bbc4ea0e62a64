// Whether this instance can serve traffic: PostgreSQL answers SELECT 1 in time.
import { sql } from "drizzle-orm";

import { db } from "./db";

export type Readiness = { ok: boolean; checks: Record<string, string> };

const timeoutMs = Number(process.env.DB_TIMEOUT_MS ?? "2000");

export async function ready(): Promise<Readiness> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([db().execute(sql`select 1`), timeout]);
    return { ok: true, checks: { postgres: "ok" } };
  } catch (error) {
    return { ok: false, checks: { postgres: error instanceof Error ? error.message : String(error) } };
  } finally {
    clearTimeout(timer);
  }
}
