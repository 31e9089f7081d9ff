import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Creates the process logger: one JSON object per line on standard output,
 * with the level as a name, so log collectors can filter on it. The level
 * comes from `LOG_LEVEL` (default info).
 */
export function createLogger(options: { level?: string } = {}): Logger {
  return pino({
    name: 'image-security-operator',
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** Returns a child logger for one reconcile, carrying the object key and a fresh reconcile id. */
export function reconcileLogger(parent: Logger, controller: string, key: string): Logger {
  return parent.child({ controller, key, reconcileId: randomUUID() });
}
