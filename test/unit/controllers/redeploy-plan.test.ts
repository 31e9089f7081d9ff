import { describe, expect, it } from '@jest/globals';
import {
  planRedeploy,
  restartTokenFor,
  type ServiceRender,
} from '../../../src/controllers/policy/redeploy-plan.js';
import { statusPatch } from '../../../src/controllers/policy/status.js';

function image(
  contentHash: string,
  restartHash: string,
  mode: 'Reload' | 'Restart' = 'Reload',
): ServiceRender {
  const files = { name: 'glance', data: {}, contentHash, restartHash };
  return {
    field: 'imageService',
    files,
    target: { configMapName: 'glance' },
    restartToken: restartTokenFor('imageService', files, mode),
  };
}

describe('planRedeploy', () => {
  it('restarts on first reconcile', () => {
    expect(planRedeploy([image('c1', 'r1')], undefined).mode).toBe('Restart');
  });

  it('is up to date when hashes match', () => {
    const first = planRedeploy([image('c1', 'r1')], undefined);
    const status = { contentHash: first.contentHash, restartHash: first.restartHash };

    expect(planRedeploy([image('c1', 'r1')], status).mode).toBe('UpToDate');
  });

  it('live-reloads a content-only change', () => {
    const first = planRedeploy([image('c1', 'r1')], undefined);
    const status = { contentHash: first.contentHash, restartHash: first.restartHash };

    expect(planRedeploy([image('c2', 'r1')], status).mode).toBe('LiveReload');
  });

  it('restarts a content-only change in Restart mode', () => {
    const first = planRedeploy([image('c1', 'r1', 'Restart')], undefined);
    const status = { contentHash: first.contentHash, restartHash: first.restartHash };

    expect(planRedeploy([image('c2', 'r1', 'Restart')], status).mode).toBe('Restart');
  });

  it('restarts a restart hash change', () => {
    const first = planRedeploy([image('c1', 'r1')], undefined);
    const status = { contentHash: first.contentHash, restartHash: first.restartHash };

    expect(planRedeploy([image('c2', 'r2')], status).mode).toBe('Restart');
  });

  it('restarts any compute content change', () => {
    const compute = (hash: string): ServiceRender => {
      const files = { name: 'nova', data: {}, contentHash: hash, restartHash: hash };
      return {
        field: 'computeService',
        files,
        target: { configMapName: 'nova' },
        restartToken: restartTokenFor('computeService', files, 'Reload'),
      };
    };
    const first = planRedeploy([image('c1', 'r1'), compute('n1')], undefined);
    const status = { contentHash: first.contentHash, restartHash: first.restartHash };

    expect(planRedeploy([image('c1', 'r1'), compute('n2')], status).mode).toBe('Restart');
  });
});

describe('statusPatch', () => {
  it('returns nothing for equal status', () => {
    const status = { observedGeneration: 2, contentHash: 'a' };

    expect(statusPatch({ contentHash: 'a', observedGeneration: 2 }, status)).toBeUndefined();
  });

  it('ignores undefined fields', () => {
    expect(
      statusPatch({ contentHash: 'a' }, { contentHash: 'a', restartHash: undefined }),
    ).toBeUndefined();
  });

  it('nulls removed fields', () => {
    const live = {
      contentHash: 'a',
      findings: [{ severity: 'Error' as const, path: 'p', message: 'm' }],
    };

    expect(statusPatch(live, { contentHash: 'a' })).toEqual({ contentHash: 'a', findings: null });
  });
});
