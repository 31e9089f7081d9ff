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

/** One HTTP exchange with an OpenStack service, reported to an {@link OpenStackRequestObserver}. */
export interface OpenStackRequestObservation {
  /** Service name, such as `glance`. */
  readonly service: string;
  readonly method: string;
  /** Response status; undefined when no response arrived (refused, reset, timed out). */
  readonly status?: number;
  /** Time until the response headers arrived or the attempt failed, in milliseconds. */
  readonly durationMs: number;
}

/**
 * Receives every attempt the HTTP client makes, retries included, for
 * metrics. It must not throw; the client ignores anything it returns.
 */
export interface OpenStackRequestObserver {
  observeRequest(observation: OpenStackRequestObservation): void;
}
