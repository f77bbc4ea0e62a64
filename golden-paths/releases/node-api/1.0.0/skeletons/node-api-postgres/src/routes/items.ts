/**
 * An example resource on the database, to replace with the service's own:
 * GET /v1/items, POST /v1/items {"name": "..."}, GET /v1/items/:id.
 */
import { desc, eq } from "drizzle-orm";
import { Router } from "express";
import { z } from "zod";

import type { Orm } from "../db/index.js";
import { items } from "../db/schema.js";

const newItem = z.object({ name: z.string().trim().min(1).max(200) });
const itemId = z.coerce.number().int().positive();

export function itemsRouter(orm: Orm): Router {
  const router = Router();

  router.get("/", async (_req, res) => {
    res.json(await orm.select().from(items).orderBy(desc(items.id)).limit(100));
  });

  router.post("/", async (req, res) => {
    const body = newItem.safeParse(req.body);
    if (!body.success) {
      res.status(422).json({ error: "invalid item", issues: body.error.issues.map((i) => i.message) });
      return;
    }
    const [item] = await orm.insert(items).values({ name: body.data.name }).returning();
    res.status(201).json(item);
  });

  router.get("/:id", async (req, res) => {
    const id = itemId.safeParse(req.params.id);
    if (!id.success) {
      res.status(404).json({ error: "not found" });
      return;
    }
    const [item] = await orm.select().from(items).where(eq(items.id, id.data));
    if (item === undefined) {
      res.status(404).json({ error: "not found" });
      return;
    }
    res.json(item);
  });

  return router;
}
