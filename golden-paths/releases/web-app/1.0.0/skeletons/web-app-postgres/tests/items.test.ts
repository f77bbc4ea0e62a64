// Against a real PostgreSQL: TEST_DATABASE_URL (vitest.config.mts passes it on as
// DATABASE_URL), migrated from drizzle/ first.
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { GET as readyz } from "../app/readyz/route";
import { closeDatabase, db, migrateDatabase } from "../lib/db";
import { items } from "../lib/db/schema";
import { addItem, latestItems } from "../lib/items";

beforeAll(async () => {
  await migrateDatabase();
  await db().delete(items);
});

afterAll(async () => {
  await closeDatabase();
});

describe("items", () => {
  it("are read back newest first", async () => {
    await addItem("first");
    await addItem("second");
    const rows = await latestItems();
    expect(rows.map((row) => row.name)).toEqual(["second", "first"]);
    expect(rows[0]?.createdAt).toBeInstanceOf(Date);
  });

  it("migrations are applied once", async () => {
    await migrateDatabase();
    expect((await latestItems()).length).toBe(2);
  });
});

describe("readiness", () => {
  it("is ready when the database answers", async () => {
    const response = await readyz();
    expect(response.status).toBe(200);
  });

  it("is not ready when the database does not answer", async () => {
    await closeDatabase();
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = "postgres://nobody@127.0.0.1:1/none";
    try {
      const response = await readyz();
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: "unavailable", checks: { postgres: expect.any(String) } });
    } finally {
      await closeDatabase();
      process.env.DATABASE_URL = saved;
    }
  });
});
