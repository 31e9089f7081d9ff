import { afterEach, describe, expect, it } from '@jest/globals';
import { parseCloudsYaml } from '../../../src/openstack/clouds-yaml.js';
import { HttpClient } from '../../../src/openstack/http.js';
import { authRequestBody, KeystoneSession } from '../../../src/openstack/session.js';
import { createTransport } from '../../../src/openstack/transport.js';
import { startFakeServer, type FakeServer, type Handler } from './fake-server.js';

const ISSUED_AT = Date.parse('2026-01-01T00:00:00Z');
const ONE_HOUR = 60 * 60 * 1000;

let server: FakeServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Responds to token requests with tokens `tok-1`, `tok-2`, ... valid for one hour after ISSUED_AT. */
function keystone(delayMs = 0): Handler {
  let count = 0;
  return (_request, response) => {
    count += 1;
    const body = {
      token: {
        expires_at: new Date(ISSUED_AT + ONE_HOUR).toISOString(),
        project: { id: 'project-1' },
        user: { id: 'user-1' },
        catalog: [
          {
            type: 'image',
            endpoints: [
              { interface: 'public', region_id: 'RegionOne', url: 'http://glance.one/' },
              { interface: 'internal', region_id: 'RegionOne', url: 'http://glance.internal' },
              { interface: 'public', region_id: 'RegionTwo', url: 'http://glance.two' },
            ],
          },
        ],
      },
    };
    setTimeout(() => {
      response.writeHead(201, {
        'Content-Type': 'application/json',
        'X-Subject-Token': `tok-${count}`,
      });
      response.end(JSON.stringify(body));
    }, delayMs);
  };
}

async function session(options: { region?: string; now?: () => number; delayMs?: number } = {}) {
  server = await startFakeServer([keystone(options.delayMs)]);
  const cloud = parseCloudsYaml(
    `
clouds:
  lab:
    auth:
      auth_url: ${server.url}
      username: alice
      password: pw
      project_name: demo
      user_domain_name: Default
      project_domain_name: Default
${options.region === undefined ? '' : `    region_name: ${options.region}`}
`,
    'lab',
  );
  const http = new HttpClient({ transport: createTransport(), retries: 0 });
  return new KeystoneSession(cloud, http, { now: options.now ?? (() => ISSUED_AT) });
}

describe('KeystoneSession', () => {
  it('reuses one token', async () => {
    const keystoneSession = await session();

    expect(await keystoneSession.token()).toBe('tok-1');
    expect(await keystoneSession.token()).toBe('tok-1');
    expect(keystoneSession.authenticationCount).toBe(1);
    expect(server?.requests[0]?.url).toBe('/v3/auth/tokens');
  });

  it('shares one in-flight authentication', async () => {
    const keystoneSession = await session({ delayMs: 50 });

    const tokens = await Promise.all(Array.from({ length: 10 }, () => keystoneSession.token()));

    expect(new Set(tokens)).toEqual(new Set(['tok-1']));
    expect(server?.requests).toHaveLength(1);
  });

  it('renews five minutes before expiry', async () => {
    let now = ISSUED_AT;
    const keystoneSession = await session({ now: () => now });
    await keystoneSession.token();

    now = ISSUED_AT + ONE_HOUR - 5 * 60 * 1000 - 1;
    expect(await keystoneSession.token()).toBe('tok-1');
    now += 2;
    expect(await keystoneSession.token()).toBe('tok-2');
  });

  it('authenticates again after invalidate', async () => {
    const keystoneSession = await session();
    keystoneSession.invalidate(await keystoneSession.token());

    expect(await keystoneSession.token()).toBe('tok-2');
  });

  it('finds endpoints by interface and region', async () => {
    expect(await (await session()).endpoint('image')).toBe('http://glance.one');
    await server?.close();
    expect(await (await session({ region: 'RegionTwo' })).endpoint('image')).toBe(
      'http://glance.two',
    );
    await server?.close();
    expect(await (await session()).endpoint('image', 'internal')).toBe('http://glance.internal');
  });

  it('rejects a missing service type', async () => {
    const keystoneSession = await session();

    await expect(keystoneSession.endpoint('key-manager')).rejects.toThrow(
      'service type key-manager not found in the Keystone catalog; catalog types: image',
    );
  });

  it('reports the project of the token', async () => {
    expect(await (await session()).projectId()).toBe('project-1');
  });
});

describe('authRequestBody', () => {
  it('scopes password auth to a project', () => {
    const cloud = parseCloudsYaml(
      'clouds:\n  c:\n    auth: {auth_url: "http://k", username: u, password: p, project_name: demo, user_domain_name: Default, project_domain_id: default}\n',
      'c',
    );

    expect(authRequestBody(cloud.auth)).toEqual({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'u', domain: { name: 'Default' }, password: 'p' } },
        },
        scope: { project: { name: 'demo', domain: { id: 'default' } } },
      },
    });
  });

  it('sends application credentials unscoped', () => {
    const cloud = parseCloudsYaml(
      'clouds:\n  c:\n    auth_type: v3applicationcredential\n    auth: {auth_url: "http://k", application_credential_id: abc, application_credential_secret: s}\n',
      'c',
    );

    expect(authRequestBody(cloud.auth)).toEqual({
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: { id: 'abc', secret: 's' },
        },
      },
    });
  });
});
