/**
 * Logging methods the client calls, in pino's argument order (fields first),
 * so a pino logger or child logger can be passed as is.
 */
export interface OpenStackLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  debug(fields: Record<string, unknown>, message: string): void;
}

/** A logger that drops everything, used when the caller passes none. */
export const silentLogger: OpenStackLogger = {
  info: () => undefined,
  warn: () => undefined,
  debug: () => undefined,
};
