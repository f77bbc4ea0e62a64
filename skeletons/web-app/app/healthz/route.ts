import { instrumented } from "../../lib/metrics";

// Liveness: the process answers. Never checks dependencies.
export const dynamic = "force-dynamic";

export const GET = instrumented("/healthz", async () => Response.json({ status: "ok" }));
