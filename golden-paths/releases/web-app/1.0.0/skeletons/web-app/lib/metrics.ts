// Prometheus metrics of the platform's HTTP contract, in one registry per process.
// instrumentation.ts hooks Node's HTTP server at startup, so every request counts:
// pages, route handlers and assets alike, with its status code and duration.
import type { IncomingMessage, Server, ServerResponse } from "node:http";

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

type Metrics = {
  registry: Registry;
  requests: Counter<"method" | "route" | "code">;
  duration: Histogram<"method" | "route">;
  inFlight: Gauge;
};

const metricsKey = Symbol.for("web-app.metrics");
const hookedKey = Symbol.for("web-app.metrics.hooked");

function create(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: "http_requests_total",
      help: "HTTP requests served, by method, route and status code.",
      labelNames: ["method", "route", "code"],
      registers: [registry],
    }),
    duration: new Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request duration in seconds, by method and route.",
      labelNames: ["method", "route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: "http_requests_in_flight",
      help: "HTTP requests being served.",
      registers: [registry],
    }),
  };
}

// One set per process, even when Next loads this module in several bundles.
export function metrics(): Metrics {
  const holder = globalThis as unknown as Record<symbol, Metrics | undefined>;
  holder[metricsKey] ??= create();
  return holder[metricsKey];
}

// The `route` label: the first path segment ("/", "/items", "/api"), and "/_next" for
// Next's assets, so that the label's values stay few whatever the URLs are.
export function routeOf(url: string | undefined): string {
  const path = (url ?? "/").split("?")[0] ?? "/";
  if (path.startsWith("/_next/")) return "/_next";
  const first = path.split("/")[1] ?? "";
  return first ? `/${first}` : "/";
}

// Count one request when its response is finished (or the client went away).
export function observe(request: IncomingMessage, response: ServerResponse): void {
  const m = metrics();
  const method = request.method ?? "GET";
  const route = routeOf(request.url);
  const end = m.duration.startTimer({ method, route });
  m.inFlight.inc();
  response.once("close", () => {
    m.inFlight.dec();
    end();
    m.requests.inc({ method, route, code: String(response.statusCode) });
  });
}

// Observe every request of every HTTP server of this process (Next's included): wraps
// http.Server's emit of "request" once.
export function instrumentHttp(proto: Server): void {
  const marked = proto as unknown as Record<symbol, boolean | undefined>;
  if (marked[hookedKey]) return;
  marked[hookedKey] = true;
  const emit = proto.emit as (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
  proto.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === "request") observe(args[0] as IncomingMessage, args[1] as ServerResponse);
    return emit.call(this, event, ...args);
  } as Server["emit"];
}
