/** A real server on a free loopback port around createApp(), for HTTP tests. */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { Writable } from "node:stream";

import { createApp, type Dependencies, type State } from "../src/app.js";
import { createLogger, type Logger } from "../src/logger.js";
import { createMetrics } from "../src/metrics.js";
import { listen } from "../src/server.js";

export interface TestServer {
  url: string;
  server: Server;
  state: State;
  logger: Logger;
  dependencies: Dependencies;
  /** The JSON log lines written so far. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export function noDependencies(overrides: Partial<Dependencies> = {}): Dependencies {
  return { checks: [], routes: [], close: () => Promise.resolve(), ...overrides };
}

export function captureLogger(level = "debug"): { logger: Logger; logs: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim() !== "") {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        }
      }
      done();
    },
  });
  return { logger: createLogger(level, sink), logs };
}

export async function startTestServer(dependencies = noDependencies()): Promise<TestServer> {
  const { logger, logs } = captureLogger();
  const state: State = { draining: false };
  const app = createApp({ logger, metrics: createMetrics(), dependencies, state, readyTimeoutMs: 500 });
  const server = await listen(app, 0, "127.0.0.1");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    state,
    logger,
    dependencies,
    logs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
