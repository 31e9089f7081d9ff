import { ApiException } from '@kubernetes/client-node';

/** True when `error` is an apiserver response with the given HTTP status code. */
export function isApiError(error: unknown, code: number): boolean {
  return error instanceof ApiException && error.code === code;
}

/**
 * A failure the controller reports in a condition with a CamelCase reason,
 * such as ConfigMapConflict or WorkloadNotFound. The reconcile is retried
 * with backoff, since the cause usually lies outside the policy and may be fixed later.
 */
export class ReasonedError extends Error {
  readonly reason: string;

  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReasonedError';
    this.reason = reason;
  }
}

/**
 * Describes an apiserver failure in one line, without the response headers,
 * which may carry tokens. The Status message of the body is kept because it
 * names the field or object that failed.
 */
export function describeApiError(error: unknown): string {
  if (error instanceof ApiException) {
    const body: unknown = error.body;
    let detail = '';
    if (typeof body === 'string') {
      detail = statusMessage(body);
    } else if (typeof body === 'object' && body !== null && 'message' in body) {
      detail = String(body.message);
    }
    return `HTTP ${error.code}${detail === '' ? '' : `: ${detail}`}`;
  }
  if (!(error instanceof Error)) {
    return String(error);
  }
  // fetch failures carry the network error (such as ECONNREFUSED) in their
  // cause chain; each message not already shown is appended.
  let text = error.message;
  let cause: unknown = error.cause;
  for (let depth = 0; cause instanceof Error && depth < 4; depth++) {
    if (!text.includes(cause.message)) {
      text = `${text}: ${cause.message}`;
    }
    cause = cause.cause;
  }
  return text;
}

/** Returns the message of a Status object sent as a JSON string, or the string itself. */
function statusMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : body;
  } catch {
    return body;
  }
}
