import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

/** Body of an outgoing request: bytes that can be sent again, or a one-shot stream. */
export type TransportBody = Buffer | Readable;

export interface TransportRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: TransportBody;
  /** Milliseconds until the response headers must arrive; the body stream is not limited. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface TransportResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Unread body. The caller must consume or destroy it to free the socket. */
  readonly body: IncomingMessage;
}

/** Sends one HTTP request, without retries. */
export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

/** Raised when the response headers did not arrive within `timeoutMs`. */
export class RequestTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no response within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

export interface TransportOptions {
  /** PEM bundle of CA certificates for https endpoints. When set, it replaces Node's built-in CA store. */
  readonly caBundle?: string;
}

/**
 * Creates a transport on `node:http` and `node:https`. TLS certificates are
 * always verified: against `caBundle` when given, else against Node's
 * built-in CA store. The `undici` package would allow a custom CA with
 * `fetch`, but it is not a direct dependency of this project.
 */
export function createTransport(options: TransportOptions = {}): Transport {
  const httpsAgent = new https.Agent({
    keepAlive: true,
    rejectUnauthorized: true,
    ...(options.caBundle === undefined ? {} : { ca: options.caBundle }),
  });
  const httpAgent = new http.Agent({ keepAlive: true });

  return (request) =>
    new Promise<TransportResponse>((resolve, reject) => {
      const isHttps = request.url.protocol === 'https:';
      const send = isHttps ? https.request : http.request;
      const timeout = new AbortController();
      const signal =
        request.signal === undefined
          ? timeout.signal
          : AbortSignal.any([timeout.signal, request.signal]);
      const timer = setTimeout(
        () => timeout.abort(new RequestTimeoutError(request.timeoutMs)),
        request.timeoutMs,
      );

      const outgoing = send(request.url, {
        method: request.method,
        headers: request.headers,
        agent: isHttps ? httpsAgent : httpAgent,
        signal,
      });
      outgoing.on('response', (response) => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: response });
      });
      outgoing.on('error', (error) => {
        clearTimeout(timer);
        // An abort reports a generic AbortError; the signal's reason shows whether it was the timeout.
        reject(signal.aborted && signal.reason instanceof Error ? signal.reason : error);
      });

      if (request.body instanceof Readable) {
        request.body.on('error', (error) => outgoing.destroy(error));
        request.body.pipe(outgoing);
      } else {
        outgoing.end(request.body);
      }
    });
}
