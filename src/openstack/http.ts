import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import pRetry from 'p-retry';
import { OpenStackError } from './errors.js';
import { silentLogger, type OpenStackLogger, type OpenStackRequestObserver } from './logger.js';
import { isRetryable, parseRetryAfter } from './retry-policy.js';
import type { Transport, TransportBody, TransportResponse } from './transport.js';
import { readLimited, serverMessage } from './response-body.js';

/** Supplies the `X-Auth-Token` for a request; implemented by the Keystone session. */
export interface TokenSource {
  token(): Promise<string>;
  /** Drops `token` from the cache after a 401, so the next `token()` authenticates again. */
  invalidate(token: string): void;
}

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Request body: a JSON value, bytes, or a stream that can be sent only once (never retried). */
export type RequestBody =
  | { readonly json: unknown; readonly contentType?: string }
  | { readonly data: Buffer; readonly contentType: string }
  | { readonly stream: Readable; readonly contentType: string; readonly contentLength?: number };

export interface HttpRequest {
  /** Service name for messages and logs, such as `glance`. */
  readonly service: string;
  readonly method: HttpMethod;
  readonly url: URL;
  readonly auth?: TokenSource;
  /** Accept header; defaults to `application/json` because Glance sends HTML errors otherwise. */
  readonly accept?: string;
  readonly body?: RequestBody;
  /** Milliseconds until the response headers arrive, per attempt. */
  readonly timeoutMs?: number;
  /** Defaults to true for every method but POST; see `isRetryable`. */
  readonly idempotent?: boolean;
  readonly signal?: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly requestId?: string;
  /** Unread body; consume it or call `destroy()`. */
  readonly body: Readable;
}

export interface HttpClientOptions {
  readonly transport: Transport;
  readonly logger?: OpenStackLogger;
  /** Receives the status and duration of every attempt, for metrics. */
  readonly observer?: OpenStackRequestObserver;
  /** Default per-attempt timeout in milliseconds (30 000). */
  readonly timeoutMs?: number;
  /** Retries after the first attempt (4). */
  readonly retries?: number;
  /** First backoff delay in milliseconds (500), doubled per retry with random jitter of up to 2x. */
  readonly minRetryDelayMs?: number;
  /** Maximum backoff delay in milliseconds (10 000); a `Retry-After` header may ask for more. */
  readonly maxRetryDelayMs?: number;
}

/**
 * Sends OpenStack API requests with JSON errors, timeouts, retries with
 * backoff and jitter, one re-authentication after a 401, and a debug log line
 * per response with its request id. Headers and bodies are never logged.
 */
export class HttpClient {
  private readonly transport: Transport;
  private readonly logger: OpenStackLogger;
  private readonly observer: OpenStackRequestObserver | undefined;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly minRetryDelayMs: number;
  private readonly maxRetryDelayMs: number;

  constructor(options: HttpClientOptions) {
    this.transport = options.transport;
    this.logger = options.logger ?? silentLogger;
    this.observer = options.observer;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retries = options.retries ?? 4;
    this.minRetryDelayMs = options.minRetryDelayMs ?? 500;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 10_000;
  }

  /** Sends a request and returns the response with its body unread; throws OpenStackError on status >= 400. */
  async send(request: HttpRequest): Promise<HttpResponse> {
    const idempotent = request.idempotent ?? request.method !== 'POST';
    const streamed = request.body !== undefined && 'stream' in request.body;
    const reauthenticated = { done: false };

    return pRetry(() => this.attempt(request, reauthenticated), {
      retries: streamed ? 0 : this.retries,
      factor: 2,
      minTimeout: this.minRetryDelayMs,
      maxTimeout: this.maxRetryDelayMs,
      randomize: true,
      ...(request.signal === undefined ? {} : { signal: request.signal }),
      shouldRetry: ({ error }) => isRetryable(error, idempotent),
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft, retryDelay }) => {
        if (retriesLeft === 0 || streamed || !isRetryable(error, idempotent)) {
          return;
        }
        const retryAfterMs =
          (error instanceof OpenStackError ? (error.retryAfterSeconds ?? 0) : 0) * 1000;
        const extraWaitMs = Math.max(0, retryAfterMs - retryDelay);
        this.logger.warn(
          {
            service: request.service,
            method: request.method,
            path: pathOf(request.url),
            attempt: attemptNumber,
            retriesLeft,
            delayMs: retryDelay + extraWaitMs,
            err: error.message,
          },
          'retrying OpenStack request',
        );
        if (extraWaitMs > 0) {
          await sleep(extraWaitMs, request.signal);
        }
      },
    });
  }

  /** Sends a request and parses the JSON body; a 204 or empty body gives undefined. */
  async json<T>(
    request: HttpRequest,
  ): Promise<{ readonly data: T; readonly response: HttpResponse }> {
    const response = await this.send(request);
    const text = (await readLimited(response.body, Number.POSITIVE_INFINITY)).toString('utf8');
    if (text.trim() === '') {
      return { data: undefined as T, response };
    }
    try {
      return { data: JSON.parse(text) as T, response };
    } catch (cause) {
      throw new OpenStackError(
        {
          service: request.service,
          method: request.method,
          path: pathOf(request.url),
          status: response.status,
          requestId: response.requestId,
          serverMessage: 'response body is not valid JSON',
        },
        { cause },
      );
    }
  }

  /** Sends a request and returns the whole body as bytes. */
  async bytes(request: HttpRequest): Promise<Buffer> {
    const response = await this.send(request);
    return readLimited(response.body, Number.POSITIVE_INFINITY);
  }

  /** Sends a request and discards the body. */
  async empty(request: HttpRequest): Promise<HttpResponse> {
    const response = await this.send(request);
    response.body.resume();
    return response;
  }

  private async attempt(
    request: HttpRequest,
    reauthenticated: { done: boolean },
  ): Promise<HttpResponse> {
    let token = request.auth === undefined ? undefined : await request.auth.token();
    let response = await this.exchange(request, token);

    const canResend = request.body === undefined || !('stream' in request.body);
    if (
      response.status === 401 &&
      request.auth !== undefined &&
      token !== undefined &&
      canResend &&
      !reauthenticated.done
    ) {
      reauthenticated.done = true;
      response.body.resume();
      this.logger.info(
        {
          service: request.service,
          path: pathOf(request.url),
          requestId: requestIdOf(response.headers),
        },
        'token rejected with 401, authenticating again',
      );
      request.auth.invalidate(token);
      token = await request.auth.token();
      response = await this.exchange(request, token);
    }

    const requestId = requestIdOf(response.headers);
    if (response.status >= 400) {
      const body = await readLimited(response.body, 16 * 1024).catch(() => Buffer.alloc(0));
      throw new OpenStackError({
        service: request.service,
        method: request.method,
        path: pathOf(request.url),
        status: response.status,
        requestId,
        serverMessage: serverMessage(body),
        retryAfterSeconds: parseRetryAfter(headerValue(response.headers['retry-after'])),
      });
    }
    return { status: response.status, headers: response.headers, requestId, body: response.body };
  }

  private async exchange(
    request: HttpRequest,
    token: string | undefined,
  ): Promise<TransportResponse> {
    const headers: Record<string, string> = { Accept: request.accept ?? 'application/json' };
    if (token !== undefined) {
      headers['X-Auth-Token'] = token;
    }
    const body = encodeBody(request.body, headers);

    const started = performance.now();
    let response: TransportResponse;
    try {
      response = await this.transport({
        method: request.method,
        url: request.url,
        headers,
        ...(body === undefined ? {} : { body }),
        timeoutMs: request.timeoutMs ?? this.timeoutMs,
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      });
    } catch (cause) {
      this.observe(request, undefined, started);
      this.logger.debug(
        {
          service: request.service,
          method: request.method,
          path: pathOf(request.url),
          err: String(cause),
        },
        'OpenStack request failed without a response',
      );
      throw new OpenStackError(
        { service: request.service, method: request.method, path: pathOf(request.url) },
        { cause },
      );
    }

    this.observe(request, response.status, started);
    this.logger.debug(
      {
        service: request.service,
        method: request.method,
        path: pathOf(request.url),
        status: response.status,
        requestId: requestIdOf(response.headers),
        durationMs: Math.round(performance.now() - started),
      },
      'OpenStack request',
    );
    return response;
  }

  /** Reports one attempt to the observer; an observer that throws cannot fail the request. */
  private observe(request: HttpRequest, status: number | undefined, started: number): void {
    if (this.observer === undefined) {
      return;
    }
    const durationMs = performance.now() - started;
    try {
      this.observer.observeRequest({
        service: request.service,
        method: request.method,
        durationMs,
        ...(status === undefined ? {} : { status }),
      });
    } catch (error) {
      this.logger.warn({ service: request.service, err: String(error) }, 'request observer failed');
    }
  }
}

function encodeBody(
  body: RequestBody | undefined,
  headers: Record<string, string>,
): TransportBody | undefined {
  if (body === undefined) {
    return undefined;
  }
  if ('stream' in body) {
    headers['Content-Type'] = body.contentType;
    if (body.contentLength !== undefined) {
      headers['Content-Length'] = String(body.contentLength);
    }
    return body.stream;
  }
  const data = 'json' in body ? Buffer.from(JSON.stringify(body.json), 'utf8') : body.data;
  headers['Content-Type'] =
    'json' in body ? (body.contentType ?? 'application/json') : body.contentType;
  headers['Content-Length'] = String(data.length);
  return data;
}

/** Returns the request id that OpenStack services put in their responses. */
export function requestIdOf(headers: IncomingHttpHeaders): string | undefined {
  return (
    headerValue(headers['x-openstack-request-id']) ?? headerValue(headers['x-compute-request-id'])
  );
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Returns path and query of a URL; the host and any userinfo are left out of messages. */
export function pathOf(url: URL): string {
  return `${url.pathname}${url.search}`;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      },
      { once: true },
    );
  });
}
