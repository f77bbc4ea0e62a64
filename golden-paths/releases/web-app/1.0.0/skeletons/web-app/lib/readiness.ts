// Whether this instance can serve traffic: no dependencies to check.
export type Readiness = { ok: boolean; checks: Record<string, string> };

export async function ready(): Promise<Readiness> {
  return { ok: true, checks: {} };
}
