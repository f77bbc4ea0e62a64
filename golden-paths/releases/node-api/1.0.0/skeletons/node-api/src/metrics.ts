/**
 * Prometheus metrics on the platform's contract (the SLO alerts and the dashboard in
 * monitoring/ query these names): http_requests_total{method,route,code},
 * http_request_duration_seconds{method,route}, http_requests_in_flight, plus Node's
 * process and event-loop metrics. One registry per app, so tests start fresh.
 */
import type { RequestHandler } from "express";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

import type { Logger } from "./logger.js";

/** The paths the platform polls; logged at debug level only. */
const PROBES = new Set(["/healthz", "/readyz", "/metrics"]);

export interface Metrics {
  registry: Registry;
  /** Counts, times and logs every request, labelled by its route template. */
  middleware(logger: Logger): RequestHandler;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests handled, by method, route template and status code.",
    labelNames: ["method", "route", "code"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time to handle an HTTP request, by method and route template.",
    labelNames: ["method", "route"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: "http_requests_in_flight",
    help: "HTTP requests being handled.",
    registers: [registry],
  });

  return {
    registry,
    middleware(logger) {
      return (req, res, next) => {
        const start = process.hrtime.bigint();
        inFlight.inc();
        res.once("close", () => {
          inFlight.dec();
          const seconds = Number(process.hrtime.bigint() - start) / 1e9;
          // The matched route's template (`/v1/items/:id`), never the raw path, so
          // that the label's values stay few; `unmatched` for 404s.
          const template = (req.route as { path?: unknown } | undefined)?.path;
          const route = typeof template === "string" ? req.baseUrl + template : "unmatched";
          const code = String(res.statusCode);
          requests.inc({ method: req.method, route, code });
          duration.observe({ method: req.method, route }, seconds);
          const fields = {
            method: req.method,
            path: req.path,
            route,
            status: res.statusCode,
            duration_ms: Math.round(seconds * 1e6) / 1e3,
          };
          if (PROBES.has(req.path)) {
            logger.debug(fields, "request");
          } else {
            logger.info(fields, "request");
          }
        });
        next();
      };
    },
  };
}
