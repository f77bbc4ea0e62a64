/**
 * Where backing services are opened: their readiness checks for /readyz, their
 * routes, and how to close them at shutdown. This service has none yet; a database
 * (`scaffold update --set database=postgres`) replaces this file.
 */
import type { Dependencies } from "./app.js";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";

export function openDependencies(_config: Config, _logger: Logger): Promise<Dependencies> {
  return Promise.resolve({ checks: [], routes: [], close: () => Promise.resolve() });
}
