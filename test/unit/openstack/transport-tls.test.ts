import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { OpenStackError } from '../../../src/openstack/errors.js';
import { HttpClient } from '../../../src/openstack/http.js';
import { createTransport } from '../../../src/openstack/transport.js';

const run = promisify(execFile);

let folder: string;
let caPem: string;
let server: https.Server;
let url: URL;
let failedHandshakes = 0;

/** Creates a CA and a server certificate for IP 127.0.0.1 signed by it, with openssl. */
async function createCertificates(): Promise<{ ca: string; key: string; cert: string }> {
  const file = (name: string) => path.join(folder, name);
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', [
    'req',
    '-x509',
    ...ecKey,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=openstack-client test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  ]);
  await run('openssl', [
    'req',
    ...ecKey,
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
    '-subj',
    '/CN=127.0.0.1',
  ]);
  await writeFile(file('server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.pem'),
    '-days',
    '2',
    '-extfile',
    file('server.ext'),
  ]);
  return {
    ca: await readFile(file('ca.pem'), 'utf8'),
    key: await readFile(file('server.key'), 'utf8'),
    cert: await readFile(file('server.pem'), 'utf8'),
  };
}

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'openstack-tls-'));
  const { ca, key, cert } = await createCertificates();
  caPem = ca;
  server = https.createServer({ key, cert }, (_request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end('{"versions":[]}');
  });
  server.on('tlsClientError', () => {
    failedHandshakes += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/`);
}, 60_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(folder, { recursive: true, force: true });
});

describe('createTransport over TLS', () => {
  it('trusts a custom CA bundle', async () => {
    const client = new HttpClient({ transport: createTransport({ caBundle: caPem }), retries: 0 });

    const { data } = await client.json({ service: 'keystone', method: 'GET', url });

    expect(data).toEqual({ versions: [] });
  });

  it('rejects an unknown CA without retry', async () => {
    const before = failedHandshakes;
    const client = new HttpClient({
      transport: createTransport(),
      retries: 3,
      minRetryDelayMs: 10,
    });

    const error = await client
      .json({ service: 'keystone', method: 'GET', url })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OpenStackError);
    expect((error as OpenStackError).status).toBeUndefined();
    expect((error as OpenStackError).message).toMatch(/certificate/);
    // The server records the failed handshake shortly after the client gives up.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(failedHandshakes).toBe(before + 1);
  });
});
