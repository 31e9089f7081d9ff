import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { HttpClient } from '../../../src/openstack/http.js';
import type { OpenStackRequestObservation } from '../../../src/openstack/logger.js';
import type { Transport } from '../../../src/openstack/transport.js';
import { OpenStackReachability } from '../../../src/server/openstack-readiness.js';

function responding(statuses: number[]): Transport {
  return () => {
    const status = statuses.shift();
    if (status === undefined) {
      return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1'));
    }
    const body = Readable.from([Buffer.from('{}')]) as unknown as IncomingMessage;
    return Promise.resolve({ status, headers: {}, body });
  };
}

describe('OpenStackReachability', () => {
  it('fails after a request without response', () => {
    const reachability = new OpenStackReachability(() => Date.UTC(2026, 11, 4, 16));

    expect(reachability.check()).toEqual({ ok: true });
    reachability.observeRequest({ service: 'glance', method: 'GET', durationMs: 1 });

    expect(reachability.check()).toEqual({
      ok: false,
      reason: 'no response from OpenStack glance (since 2026-12-04T16:00:00.000Z)',
    });
  });

  it('passes again after any response', () => {
    const reachability = new OpenStackReachability();
    reachability.observeRequest({ service: 'glance', method: 'GET', durationMs: 1 });

    reachability.observeRequest({ service: 'glance', method: 'GET', status: 503, durationMs: 1 });

    expect(reachability.check()).toEqual({ ok: true });
  });
});

describe('HttpClient observer', () => {
  it('reports every attempt, retries included', async () => {
    const observed: OpenStackRequestObservation[] = [];
    const client = new HttpClient({
      transport: responding([503, 200]),
      observer: { observeRequest: (observation) => observed.push(observation) },
      minRetryDelayMs: 1,
      maxRetryDelayMs: 1,
    });

    await client.json({ service: 'glance', method: 'GET', url: new URL('http://127.0.0.1/v2') });

    expect(observed.map((entry) => entry.status)).toEqual([503, 200]);
    expect(observed.every((entry) => entry.service === 'glance')).toBe(true);
    expect(observed.every((entry) => entry.durationMs >= 0)).toBe(true);
  });

  it('reports a failed connection without status', async () => {
    const observed: OpenStackRequestObservation[] = [];
    const client = new HttpClient({
      transport: responding([]),
      observer: { observeRequest: (observation) => observed.push(observation) },
      retries: 0,
    });

    await expect(
      client.json({ service: 'keystone', method: 'POST', url: new URL('http://127.0.0.1:1/v3') }),
    ).rejects.toThrow();

    expect(observed).toHaveLength(1);
    expect(observed[0]?.status).toBeUndefined();
  });

  it('ignores an observer that throws', async () => {
    const client = new HttpClient({
      transport: responding([200]),
      observer: {
        observeRequest: () => {
          throw new Error('observer bug');
        },
      },
    });

    const { response } = await client.json({
      service: 'glance',
      method: 'GET',
      url: new URL('http://127.0.0.1/v2'),
    });

    expect(response.status).toBe(200);
  });
});
