// Prometheus metrics of the platform's HTTP contract, in one registry per process.
// Route handlers record themselves through `instrumented`; pages are served by Next
// and count in `http_requests_total` only through the handlers they call.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

type Metrics = {
  registry: Registry;
  requests: Counter<"method" | "route" | "code">;
  duration: Histogram<"method" | "route">;
  inFlight: Gauge;
};

const globalKey = Symbol.for("web-app.metrics");

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
  holder[globalKey] ??= create();
  return holder[globalKey];
}

export type Handler = (request: Request) => Promise<Response>;

// Wrap a route handler so that it counts in the HTTP metrics under `route`.
export function instrumented(route: string, handler: Handler): Handler {
  return async (request) => {
    const m = metrics();
    const end = m.duration.startTimer({ method: request.method, route });
    m.inFlight.inc();
    let code = 500;
    try {
      const response = await handler(request);
      code = response.status;
      return response;
    } finally {
      m.inFlight.dec();
      end();
      m.requests.inc({ method: request.method, route, code: String(code) });
    }
  };
}
