import { OpenStackError } from './errors.js';
import { RequestTimeoutError } from './transport.js';

/** Network error codes after which a request can be sent again. */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * Decides whether a failed request may be sent again.
 *
 * Retried: connection errors, timeouts, HTTP 5xx and 429. Other 4xx statuses
 * are final because a repeated request gets the same response. A request
 * that is not idempotent (POST) is retried only when the server cannot have
 * acted on it: the connection was refused, or the server returned 429 or 503.
 */
export function isRetryable(error: unknown, idempotent: boolean): boolean {
  if (!(error instanceof OpenStackError)) {
    return false;
  }
  const status = error.status;
  if (status === undefined) {
    const code = networkErrorCode(error.cause);
    if (!idempotent) {
      return code === 'ECONNREFUSED';
    }
    return (
      error.cause instanceof RequestTimeoutError ||
      (code !== undefined && CONNECTION_ERROR_CODES.has(code))
    );
  }
  if (status === 429 || status === 503) {
    return true;
  }
  return idempotent && status >= 500;
}

function networkErrorCode(cause: unknown): string | undefined {
  if (typeof cause === 'object' && cause !== null && 'code' in cause) {
    const code = cause.code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** Maximum `Retry-After` wait that is honoured, so a bad header cannot stall a caller for hours. */
export const MAX_RETRY_AFTER_SECONDS = 120;

/**
 * Parses a `Retry-After` header: delay seconds or an HTTP date. Returns
 * seconds capped at MAX_RETRY_AFTER_SECONDS, or undefined when absent or invalid.
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') {
    return undefined;
  }
  const trimmed = value.trim();
  let seconds: number;
  if (/^\d+$/.test(trimmed)) {
    seconds = Number(trimmed);
  } else {
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) {
      return undefined;
    }
    seconds = Math.max(0, Math.ceil((date - now) / 1000));
  }
  return Math.min(seconds, MAX_RETRY_AFTER_SECONDS);
}
