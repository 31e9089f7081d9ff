import { afterEach, describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { OpenStackError } from '../../../src/openstack/errors.js';
import { HttpClient, type TokenSource } from '../../../src/openstack/http.js';
import type { OpenStackLogger } from '../../../src/openstack/logger.js';
import { createTransport } from '../../../src/openstack/transport.js';
import {
  reply,
  resetConnection,
  startFakeServer,
  type FakeServer,
  type Handler,
} from './fake-server.js';

interface LogLine {
  readonly level: string;
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

function recordingLogger(lines: LogLine[]): OpenStackLogger {
  const record = (level: string) => (fields: Record<string, unknown>, message: string) => {
    lines.push({ level, fields, message });
  };
  return { info: record('info'), warn: record('warn'), debug: record('debug') };
}

/** Hands out tokens `t1`, `t2`, ... and records invalidations. */
class CountingTokens implements TokenSource {
  issued = 0;
  invalidated: string[] = [];
  private current?: string;

  token(): Promise<string> {
    this.current ??= `t${++this.issued}`;
    return Promise.resolve(this.current);
  }

  invalidate(token: string): void {
    this.invalidated.push(token);
    if (this.current === token) {
      this.current = undefined;
    }
  }
}

let server: FakeServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(handlers: Handler[], lines: LogLine[] = []) {
  server = await startFakeServer(handlers);
  const client = new HttpClient({
    transport: createTransport(),
    logger: recordingLogger(lines),
    timeoutMs: 2_000,
    retries: 3,
    minRetryDelayMs: 10,
    maxRetryDelayMs: 50,
  });
  return { client, url: new URL('/v2/images', server.url), requests: server.requests };
}

async function failure(promise: Promise<unknown>): Promise<OpenStackError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OpenStackError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected an OpenStackError');
}

describe('HttpClient', () => {
  it('retries 500 then succeeds', async () => {
    const { client, url, requests } = await setup([
      reply(500, { message: 'boom' }),
      reply(200, { images: [] }),
    ]);

    const { data } = await client.json<{ images: unknown[] }>({
      service: 'glance',
      method: 'GET',
      url,
    });

    expect(data).toEqual({ images: [] });
    expect(requests).toHaveLength(2);
  });

  it('sends Accept application/json', async () => {
    const { client, url, requests } = await setup([reply(200)]);

    await client.json({ service: 'glance', method: 'GET', url });

    expect(requests[0]?.headers.accept).toBe('application/json');
  });

  it('honours Retry-After on 429', async () => {
    const { client, url, requests } = await setup([
      reply(429, { message: 'slow down' }, { 'Retry-After': '1' }),
      reply(200),
    ]);
    const started = Date.now();

    await client.json({ service: 'glance', method: 'GET', url });

    expect(requests).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('retries a reset connection', async () => {
    const { client, url, requests } = await setup([resetConnection, reply(200, { ok: true })]);

    const { data } = await client.json({ service: 'glance', method: 'GET', url });

    expect(data).toEqual({ ok: true });
    expect(requests).toHaveLength(2);
  });

  it('does not retry 404', async () => {
    const { client, url, requests } = await setup([
      reply(
        404,
        { message: 'No image found with ID x<br /><br />' },
        { 'x-openstack-request-id': 'req-404' },
      ),
    ]);

    const error = await failure(client.json({ service: 'glance', method: 'GET', url }));

    expect(requests).toHaveLength(1);
    expect(error.status).toBe(404);
    expect(error.requestId).toBe('req-404');
    expect(error.serverMessage).toBe('No image found with ID x');
    expect(error.message).toBe(
      'glance GET /v2/images returned HTTP 404: No image found with ID x (request id req-404)',
    );
  });

  it('gives up after the retries', async () => {
    const { client, url, requests } = await setup([reply(503, { description: 'down' })]);

    const error = await failure(client.json({ service: 'barbican', method: 'GET', url }));

    expect(requests).toHaveLength(4);
    expect(error.status).toBe(503);
    expect(error.serverMessage).toBe('down');
  });

  it('does not retry POST after 500', async () => {
    const { client, url, requests } = await setup([reply(500), reply(201)]);

    const error = await failure(
      client.json({ service: 'glance', method: 'POST', url, body: { json: {} } }),
    );

    expect(error.status).toBe(500);
    expect(requests).toHaveLength(1);
  });

  it('authenticates again once after 401', async () => {
    const tokens = new CountingTokens();
    const { client, url, requests } = await setup([
      reply(401, { error: { message: 'expired' } }),
      reply(200),
    ]);

    await client.json({ service: 'glance', method: 'GET', url, auth: tokens });

    expect(requests.map((request) => request.headers['x-auth-token'])).toEqual(['t1', 't2']);
    expect(tokens.invalidated).toEqual(['t1']);
  });

  it('fails on a second 401', async () => {
    const tokens = new CountingTokens();
    const { client, url, requests } = await setup([
      reply(401, { error: { message: 'The request you have made requires authentication.' } }),
    ]);

    const error = await failure(
      client.json({ service: 'glance', method: 'GET', url, auth: tokens }),
    );

    expect(error.status).toBe(401);
    expect(error.serverMessage).toBe('The request you have made requires authentication.');
    expect(requests).toHaveLength(2);
  });

  it('times out a silent server', async () => {
    const silent: Handler = () => undefined;
    const { url, requests } = await setup([silent]);
    const quick = new HttpClient({
      transport: createTransport(),
      timeoutMs: 100,
      retries: 1,
      minRetryDelayMs: 10,
    });

    const error = await failure(quick.json({ service: 'glance', method: 'GET', url }));

    expect(error.status).toBeUndefined();
    expect(error.message).toMatch(/failed without a response: no response within 100 ms/);
    expect(requests).toHaveLength(2);
  });

  it('sends a stream once without retry', async () => {
    const { client, url, requests } = await setup([reply(500)]);

    const error = await failure(
      client.empty({
        service: 'glance',
        method: 'PUT',
        url,
        body: {
          stream: Readable.from([Buffer.from('abc'), Buffer.from('def')]),
          contentType: 'application/octet-stream',
        },
      }),
    );

    expect(error.status).toBe(500);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.body).toBe('abcdef');
  });

  it('logs request ids but no token', async () => {
    const lines: LogLine[] = [];
    const tokens = new CountingTokens();
    const { client, url } = await setup(
      [
        reply(500, {}, { 'x-openstack-request-id': 'req-a' }),
        reply(200, {}, { 'x-openstack-request-id': 'req-b' }),
      ],
      lines,
    );

    await client.json({ service: 'glance', method: 'GET', url, auth: tokens });

    const requestIds = lines
      .filter((line) => line.message === 'OpenStack request')
      .map((line) => line.fields.requestId);
    expect(requestIds).toEqual(['req-a', 'req-b']);
    expect(
      lines.some((line) => line.level === 'warn' && line.message === 'retrying OpenStack request'),
    ).toBe(true);
    expect(JSON.stringify(lines)).not.toContain('t1');
  });
});
