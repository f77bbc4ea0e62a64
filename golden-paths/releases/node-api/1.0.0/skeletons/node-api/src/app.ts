/**
 * The Express application: probes, metrics, the service's routes, JSON 404s and
 * errors. createApp() takes everything it uses, so tests build it with fakes.
 */
import express, { type ErrorRequestHandler, type Express, type Router } from "express";

import { SERVICE_NAME } from "./config.js";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";

/** A backing service /readyz must reach: it resolves when healthy, rejects when not. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

/** What the backing services give the app (see dependencies.ts). */
export interface Dependencies {
  checks: ReadinessCheck[];
  routes: { path: string; router: Router }[];
  close: () => Promise<void>;
}

/** Shared with the shutdown: while draining, /readyz answers 503. */
export interface State {
  draining: boolean;
}

export interface AppOptions {
  logger: Logger;
  metrics: Metrics;
  dependencies: Dependencies;
  state: State;
  /** How long /readyz waits for each check. */
  readyTimeoutMs?: number;
}

export function createApp(options: AppOptions): Express {
  const { logger, metrics, dependencies, state } = options;
  const readyTimeoutMs = options.readyTimeoutMs ?? 2000;
  const app = express();
  app.disable("x-powered-by");
  app.use(metrics.middleware(logger));
  app.use(express.json({ limit: "1mb" }));

  app.get("/", (_req, res) => {
    res.json({ service: SERVICE_NAME, docs: "see README.md" });
  });

  // Liveness: the process serves HTTP. Never checks dependencies, so a database
  // outage does not make Kubernetes restart every pod.
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  // Readiness: not draining, and every backing service answers in time.
  app.get("/readyz", async (_req, res) => {
    if (state.draining) {
      res.status(503).json({ status: "draining" });
      return;
    }
    const results = await Promise.all(
      dependencies.checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), readyTimeoutMs, `${name} did not answer within ${readyTimeoutMs} ms`);
          return [name, "ok"] as const;
        } catch (err) {
          logger.warn({ check: name, err }, "readiness check failed");
          return [name, err instanceof Error ? err.message : String(err)] as const;
        }
      }),
    );
    const ok = results.every(([, result]) => result === "ok");
    res.status(ok ? 200 : 503).json({ status: ok ? "ok" : "unavailable", checks: Object.fromEntries(results) });
  });

  app.get("/metrics", async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  for (const { path, router } of dependencies.routes) {
    app.use(path, router);
  }

  app.use((_req, res) => {
    res.status(404).json({ error: "not found" });
  });

  const onError: ErrorRequestHandler = (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const status = httpStatus(err);
    if (status >= 500) {
      logger.error({ err, method: req.method, path: req.path }, "request failed");
    }
    res.status(status).json({ error: status >= 500 ? "internal error" : errorMessage(err) });
  };
  app.use(onError);
  return app;
}

/** The status of an error that carries one (body-parser's 400 and 413), else 500. */
function httpStatus(err: unknown): number {
  if (typeof err === "object" && err !== null && "status" in err && typeof err.status === "number") {
    return err.status >= 400 && err.status < 600 ? err.status : 500;
  }
  return 500;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : "bad request";
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(message));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
