import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { describe, expect, it } from "vitest";

import { GET as healthz } from "../app/healthz/route";
import { GET as metricsRoute } from "../app/metrics/route";
import { GET as readyz } from "../app/readyz/route";
import { instrumentHttp, routeOf } from "../lib/metrics";

describe("probes", () => {
  it("answers /healthz", async () => {
    const response = await healthz();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("answers /readyz when ready", async () => {
    const response = await readyz();
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ready" });
  });
});

describe("metrics", () => {
  it("labels requests by their first path segment", () => {
    expect(routeOf("/")).toBe("/");
    expect(routeOf("/items/42?page=2")).toBe("/items");
    expect(routeOf("/_next/static/chunks/app.js")).toBe("/_next");
  });

  it("counts every request of an instrumented HTTP server", async () => {
    const server = createServer((request, response) => {
      response.statusCode = request.url === "/missing" ? 404 : 200;
      response.end("ok");
    });
    instrumentHttp(Object.getPrototypeOf(server));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await (await fetch(`http://127.0.0.1:${port}/items/1`)).text();
      await (await fetch(`http://127.0.0.1:${port}/missing`)).text();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const response = await metricsRoute();
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/items",code="200"\} 1/);
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/missing",code="404"\} 1/);
    expect(text).toContain('http_request_duration_seconds_bucket{le="0.005",method="GET",route="/items"}');
    expect(text).toContain("http_requests_in_flight 0");
    expect(text).toContain("nodejs_eventloop_lag_seconds");
  });
});
