import { ready } from "../../lib/readiness";

// Readiness: this instance can serve traffic (its dependencies answer). 503 otherwise,
// and Kubernetes routes no traffic to it.
export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const { ok, checks } = await ready();
  return Response.json({ status: ok ? "ready" : "unavailable", checks }, { status: ok ? 200 : 503 });
}
