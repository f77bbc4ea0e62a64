import { site } from "../lib/site";

export default function Home() {
  return (
    <main>
      <h1>{site.name}</h1>
      <p className="muted">{site.description}</p>
      <p>
        Edit <code>app/page.tsx</code> and save: the dev server reloads it.
      </p>
    </main>
  );
}
