// Reading and writing items: the example data the /items page shows.
import { desc } from "drizzle-orm";

import { db } from "./db";
import { type Item, items } from "./db/schema";

export async function latestItems(limit = 20): Promise<Item[]> {
  return db().select().from(items).orderBy(desc(items.id)).limit(limit);
}

export async function addItem(name: string): Promise<Item> {
  const [row] = await db().insert(items).values({ name }).returning();
  if (!row) throw new Error("insert returned no row");
  return row;
}
