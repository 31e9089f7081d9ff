import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import { EventLoopMonitor } from './liveness.js';
import type { OperatorMetrics } from './metrics.js';
import type { ReadinessChecks } from './readiness.js';

export interface MetricsServerOptions {
  /** Address to listen on; `0.0.0.0` in a pod, `127.0.0.1` for tests. */
  readonly host: string;
  /** TCP port; 0 picks a free one, see {@link MetricsServer.port}. */
  readonly port: number;
  readonly metrics: OperatorMetrics;
  readonly readiness: ReadinessChecks;
  readonly log: Logger;
  /** Event loop monitor behind `/healthz`; one with default limits when absent. */
  readonly eventLoop?: EventLoopMonitor;
}

/** A listening metrics and health server. */
export interface MetricsServer {
  readonly host: string;
  /** Port actually bound, which differs from the requested one when that was 0. */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts the HTTP server for Prometheus and the kubelet probes:
 *
 * - `/metrics`: the operator's registry in the Prometheus text format.
 * - `/healthz`: 200 while the event loop runs timers on time.
 * - `/readyz`: 200 when every readiness check passes, else 503 with the failing checks.
 *
 * Plain HTTP without authentication, as is usual for a pod-internal metrics
 * port: no response contains a secret, an object name or a spec value.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const eventLoop = options.eventLoop ?? new EventLoopMonitor();
  eventLoop.start();

  const server = createServer((request, response) => {
    handle(request, response, options, eventLoop).catch((error: unknown) => {
      options.log.error({ err: String(error), path: request.url }, 'metrics request failed');
      if (!response.headersSent) {
        response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      }
      response.end('internal error\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const address = server.address() as AddressInfo;
  options.log.info({ host: address.address, port: address.port }, 'metrics server listening');
  return {
    host: address.address,
    port: address.port,
    close: async () => {
      eventLoop.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  options: MetricsServerOptions,
  eventLoop: EventLoopMonitor,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(response, 405, 'only GET and HEAD are allowed\n', { Allow: 'GET, HEAD' });
    return;
  }
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;

  switch (path) {
    case '/metrics': {
      const body = await options.metrics.render();
      send(response, 200, body, { 'Content-Type': options.metrics.registry.contentType });
      return;
    }
    case '/healthz': {
      const lagMs = Math.round(eventLoop.currentLagMs());
      if (eventLoop.healthy()) {
        send(response, 200, 'ok\n');
      } else {
        send(response, 503, `event loop blocked for ${lagMs} ms (limit ${eventLoop.maxLagMs})\n`);
      }
      return;
    }
    case '/readyz': {
      const report = await options.readiness.run();
      const lines = report.checks.map(({ name, result }) =>
        result.ok ? `[+] ${name} ok` : `[-] ${name} failed: ${result.reason}`,
      );
      lines.push(report.ready ? 'ready' : 'not ready');
      send(response, report.ready ? 200 : 503, `${lines.join('\n')}\n`);
      return;
    }
    default:
      send(response, 404, 'not found; use /metrics, /healthz or /readyz\n');
  }
}

function send(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
