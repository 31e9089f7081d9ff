import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the fake server saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export type Handler = (
  request: SeenRequest,
  response: ServerResponse,
  socket: IncomingMessage['socket'],
) => void;

/** An HTTP server on 127.0.0.1 that responds to each request with the next handler in a list. */
export interface FakeServer {
  readonly url: string;
  readonly requests: SeenRequest[];
  close(): Promise<void>;
}

/** Starts a server whose n-th request gets `handlers[n]`, or the last handler once the list runs out. */
export async function startFakeServer(handlers: readonly Handler[]): Promise<FakeServer> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const seen: SeenRequest = {
        method: incoming.method ?? '',
        url: incoming.url ?? '',
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(seen);
      const handler = handlers[Math.min(requests.length - 1, handlers.length - 1)];
      handler?.(seen, response, incoming.socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Returns a handler that sends a JSON body with a status and extra headers. */
export function reply(
  status: number,
  body: unknown = {},
  headers: Record<string, string> = {},
): Handler {
  return (_request, response) => {
    response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };
}

/** A handler that closes the connection without any response. */
export const resetConnection: Handler = (_request, _response, socket) => {
  socket.destroy();
};
