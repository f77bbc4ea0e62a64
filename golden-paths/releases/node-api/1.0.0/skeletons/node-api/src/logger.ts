/**
 * JSON logs on stdout (pino): one object per line with `time` (ISO 8601), `level`
 * (as a word), `service` and `msg`, which the platform's log pipeline indexes.
 */
import { pino, type DestinationStream, type Logger } from "pino";

import { SERVICE_NAME } from "./config.js";

export type { Logger };

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: SERVICE_NAME },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
