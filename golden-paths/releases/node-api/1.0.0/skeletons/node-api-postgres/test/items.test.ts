/**
 * The example resource and the database wiring against a real PostgreSQL:
 * TEST_DATABASE_URL (CI has a PostgreSQL service). Skipped without it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { migrateDatabase, openDatabase, type Database } from "../src/db/index.js";
import { itemsRouter } from "../src/routes/items.js";
import { captureLogger, noDependencies, startTestServer, type TestServer } from "./helpers.js";

const url = process.env.TEST_DATABASE_URL ?? "";
const skip = url === "" ? "TEST_DATABASE_URL is not set" : false;

describe("items on PostgreSQL", { skip }, () => {
  const { logger } = captureLogger();
  let db: Database;
  let srv: TestServer;
  before(async () => {
    db = openDatabase({ url, poolSize: 2, timeoutMs: 2000 }, logger);
    await migrateDatabase(db, logger);
    await migrateDatabase(db, logger); // a second run has nothing to do
    await db.pool.query("TRUNCATE items RESTART IDENTITY");
    srv = await startTestServer(
      noDependencies({
        checks: [{ name: "postgres", check: db.ping }],
        routes: [{ path: "/v1/items", router: itemsRouter(db.orm) }],
      }),
    );
  });
  after(async () => {
    await srv.close();
    await db.close();
  });

  it("/readyz checks the database", async () => {
    const res = await fetch(`${srv.url}/readyz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: "ok", checks: { postgres: "ok" } });
  });

  it("creates, lists and gets items", async () => {
    const created = await fetch(`${srv.url}/v1/items`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "first" }),
    });
    assert.equal(created.status, 201);
    const item = (await created.json()) as { id: number; name: string; createdAt: string };
    assert.equal(item.name, "first");
    assert.equal(typeof item.createdAt, "string");

    const list = (await (await fetch(`${srv.url}/v1/items`)).json()) as { id: number }[];
    assert.deepEqual(list.map((i) => i.id), [item.id]);
    const got = await fetch(`${srv.url}/v1/items/${item.id}`);
    assert.equal(got.status, 200);
    assert.equal(((await got.json()) as { name: string }).name, "first");
  });

  it("rejects an invalid item and answers 404 for a missing one", async () => {
    const bad = await fetch(`${srv.url}/v1/items`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "" }),
    });
    assert.equal(bad.status, 422);
    assert.equal((await fetch(`${srv.url}/v1/items/999999`)).status, 404);
    assert.equal((await fetch(`${srv.url}/v1/items/abc`)).status, 404);
  });

  it("/readyz answers 503 when the database is unreachable", async () => {
    const down = openDatabase({ url: "postgres://nobody@127.0.0.1:1/none", poolSize: 1, timeoutMs: 500 }, logger);
    const broken = await startTestServer(noDependencies({ checks: [{ name: "postgres", check: down.ping }] }));
    try {
      const res = await fetch(`${broken.url}/readyz`);
      assert.equal(res.status, 503);
      const body = (await res.json()) as { status: string; checks: Record<string, string> };
      assert.equal(body.status, "unavailable");
      assert.notEqual(body.checks.postgres, "ok");
    } finally {
      await broken.close();
      await down.close();
    }
  });
});
