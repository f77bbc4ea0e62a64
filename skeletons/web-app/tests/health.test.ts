import { describe, expect, it } from "vitest";

import { GET as healthz } from "../app/healthz/route";
import { GET as metricsRoute } from "../app/metrics/route";
import { GET as readyz } from "../app/readyz/route";

describe("probes", () => {
  it("answers /healthz", async () => {
    const response = await healthz(new Request("http://localhost/healthz"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("answers /readyz when ready", async () => {
    const response = await readyz(new Request("http://localhost/readyz"));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ready" });
  });
});

describe("metrics", () => {
  it("counts handled requests by route and code", async () => {
    await healthz(new Request("http://localhost/healthz"));
    const response = await metricsRoute();
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/healthz",code="200"\} \d+/);
    expect(text).toContain("http_request_duration_seconds_bucket");
    expect(text).toContain("http_requests_in_flight");
    expect(text).toContain("nodejs_eventloop_lag_seconds");
  });
});
