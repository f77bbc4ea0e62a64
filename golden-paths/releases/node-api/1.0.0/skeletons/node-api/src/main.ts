/**
 * Entry point (`npm start`, `npm run dev`, the container's command): configuration,
 * logs, backing services, the HTTP server, and the graceful shutdown on SIGTERM or
 * SIGINT (a second signal exits at once).
 */
import { createApp, type State } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { openDependencies } from "./dependencies.js";
import { createLogger } from "./logger.js";
import { createMetrics } from "./metrics.js";
import { listen, shutdown } from "./server.js";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const dependencies = await openDependencies(config, logger);
  const state: State = { draining: false };
  const app = createApp({ logger, metrics: createMetrics(), dependencies, state });
  const server = await listen(app, config.port);
  logger.info({ port: config.port }, "listening");

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    shutdown(
      {
        server,
        state,
        dependencies,
        logger,
        drainDelayMs: config.drainDelayMs,
        shutdownTimeoutMs: config.shutdownTimeoutMs,
      },
      signal,
    ).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
