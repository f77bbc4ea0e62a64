/**
 * The HTTP server's lifecycle: listen, and the graceful shutdown Kubernetes expects.
 * On SIGTERM the pod is taken out of the Service's endpoints, which takes a few
 * seconds to reach every node: keep serving for DRAIN_DELAY with /readyz at 503,
 * then stop accepting, let in-flight requests finish within SHUTDOWN_TIMEOUT (then
 * close their connections), and close the backing services (the database pool).
 */
import { createServer, type Server } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

import type { Express } from "express";

import type { Dependencies, State } from "./app.js";
import type { Logger } from "./logger.js";

export async function listen(app: Express, port: number, host?: string): Promise<Server> {
  const server = createServer(app);
  // Longer than a load balancer's idle timeout, so that it closes connections first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}

export interface ShutdownOptions {
  server: Server;
  state: State;
  dependencies: Dependencies;
  logger: Logger;
  drainDelayMs: number;
  shutdownTimeoutMs: number;
}

/** Drain, stop and close; resolves when everything is closed. */
export async function shutdown(options: ShutdownOptions, signal: string): Promise<void> {
  const { server, state, dependencies, logger, drainDelayMs, shutdownTimeoutMs } = options;
  state.draining = true;
  logger.info({ signal, drain_delay_ms: drainDelayMs }, "shutting down: draining");
  await sleep(drainDelayMs);

  logger.info({ shutdown_timeout_ms: shutdownTimeoutMs }, "shutting down: no new connections");
  const closed = new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  // Keep-alive connections whose request finished are closed as they become idle.
  server.closeIdleConnections();
  const idle = setInterval(() => {
    server.closeIdleConnections();
  }, 100);
  const deadline = setTimeout(() => {
    logger.warn("shutdown timeout: closing the connections of unfinished requests");
    server.closeAllConnections();
  }, shutdownTimeoutMs);
  await closed;
  clearInterval(idle);
  clearTimeout(deadline);

  await dependencies.close();
  logger.info("stopped");
}
