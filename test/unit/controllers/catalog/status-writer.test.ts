import { describe, expect, it } from '@jest/globals';
import { ApiException, type CustomObjectsApi } from '@kubernetes/client-node';
import type { Condition } from '../../../../src/api/common.js';
import { writeCatalogStatus } from '../../../../src/controllers/catalog/status-writer.js';

const NOW = new Date('2026-12-04T16:00:00Z');

function ready(message: string): Condition {
  return {
    type: 'Ready',
    status: 'True',
    reason: 'Reconciled',
    message,
    lastTransitionTime: '2026-12-01T00:00:00Z',
  };
}

/**
 * Builds a CustomObjectsApi double holding one policy. Each patch whose
 * resourceVersion differs from the stored one fails with 409, like the
 * apiserver. `concurrentWrites` policy controller writes land between the
 * next reads and patches.
 */
function fakeApi(concurrentWrites: number) {
  let version = 1;
  let conditions: Condition[] = [ready('first')];
  const patches: Record<string, unknown>[] = [];
  let pending = concurrentWrites;
  const api = {
    getNamespacedCustomObject: () => {
      const policy = {
        metadata: { name: 'p', resourceVersion: String(version) },
        status: { conditions },
      };
      if (pending > 0) {
        pending -= 1;
        version += 1;
        conditions = [ready(`policy controller write ${version}`)];
      }
      return Promise.resolve(policy);
    },
    patchNamespacedCustomObjectStatus: (request: { body: Record<string, unknown> }) => {
      const body = request.body as {
        metadata: { resourceVersion: string };
        status: { conditions: Condition[] };
      };
      if (body.metadata.resourceVersion !== String(version)) {
        return Promise.reject(new ApiException(409, 'Conflict', {}, {}));
      }
      patches.push(request.body);
      version += 1;
      conditions = body.status.conditions;
      return Promise.resolve({});
    },
  } as unknown as CustomObjectsApi;
  return { api, patches, conditions: () => conditions };
}

const update = {
  conditions: [
    { type: 'CatalogCompliant', status: 'True' as const, reason: 'Compliant', message: 'ok' },
  ],
};

describe('writeCatalogStatus', () => {
  it('sends the read resourceVersion', async () => {
    const fake = fakeApi(0);

    await writeCatalogStatus(fake.api, 'ns', 'p', update, NOW);

    expect(fake.patches).toHaveLength(1);
    expect(fake.patches[0]?.metadata).toEqual({ resourceVersion: '1' });
  });

  it('retries a conflict on a fresh read', async () => {
    const fake = fakeApi(2);

    const written = await writeCatalogStatus(fake.api, 'ns', 'p', update, NOW);

    expect(written).toBe(true);
    expect(fake.patches).toHaveLength(1);
    expect(fake.conditions().map((c) => c.type)).toEqual(['Ready', 'CatalogCompliant']);
    expect(fake.conditions()[0]?.message).toBe('policy controller write 3');
  });

  it('gives up after five conflicts', async () => {
    const fake = fakeApi(5);

    await expect(writeCatalogStatus(fake.api, 'ns', 'p', update, NOW)).rejects.toThrow();
    expect(fake.patches).toHaveLength(0);
  });

  it('returns false for a deleted policy', async () => {
    const api = {
      getNamespacedCustomObject: () => Promise.reject(new ApiException(404, 'Not Found', {}, {})),
    } as unknown as CustomObjectsApi;

    expect(await writeCatalogStatus(api, 'ns', 'p', update, NOW)).toBe(false);
  });
});
