import { latestItems } from "../../lib/items";

// Rendered per request from the database (never at build time).
export const dynamic = "force-dynamic";

export default async function ItemsPage() {
  const rows = await latestItems();
  return (
    <main>
      <h1>Items</h1>
      {rows.length === 0 ? (
        <p className="muted">No items yet.</p>
      ) : (
        <ul>
          {rows.map((item) => (
            <li key={item.id}>
              {item.name} <span className="muted">{item.createdAt.toISOString()}</span>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
