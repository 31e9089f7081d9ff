/** Details of a failed OpenStack call: the request and what the service returned. */
export interface OpenStackErrorDetails {
  /** Service name used in messages, such as `glance`, `barbican` or `keystone`. */
  readonly service: string;
  readonly method: string;
  /** Request path without the host, so that messages never show credentials in a URL. */
  readonly path: string;
  /** HTTP status, or undefined when no response arrived (connection error or timeout). */
  readonly status?: number;
  /** Value of `x-openstack-request-id` (or `x-compute-request-id`) for matching server logs. */
  readonly requestId?: string;
  /** Message from the response body, trimmed to a few hundred characters. */
  readonly serverMessage?: string;
  /** Seconds from a `Retry-After` header, when the service sent one. */
  readonly retryAfterSeconds?: number;
}

/**
 * A failed call to an OpenStack service: an HTTP status of 400 or more, a
 * connection error or a timeout. The original network error is kept as `cause`.
 */
export class OpenStackError extends Error implements OpenStackErrorDetails {
  readonly service: string;
  readonly method: string;
  readonly path: string;
  readonly status?: number;
  readonly requestId?: string;
  readonly serverMessage?: string;
  readonly retryAfterSeconds?: number;

  constructor(details: OpenStackErrorDetails, options?: ErrorOptions) {
    super(describe(details, options?.cause), options);
    this.name = 'OpenStackError';
    this.service = details.service;
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.requestId = details.requestId;
    this.serverMessage = details.serverMessage;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

function describe(details: OpenStackErrorDetails, cause: unknown): string {
  const call = `${details.service} ${details.method} ${details.path}`;
  const outcome =
    details.status === undefined
      ? `failed without a response: ${cause instanceof Error ? cause.message : String(cause)}`
      : `returned HTTP ${details.status}`;
  const message = details.serverMessage ? `: ${details.serverMessage}` : '';
  const requestId = details.requestId ? ` (request id ${details.requestId})` : '';
  return `${call} ${outcome}${message}${requestId}`;
}

/** A configuration or response problem found on this side, before or after the HTTP call. */
export class OpenStackConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OpenStackConfigError';
  }
}
