import { describe, expect, it } from '@jest/globals';
import type { EnforcementPlan } from '../../../../src/catalog/enforce.js';
import { catalogCondition, probeCondition } from '../../../../src/controllers/catalog/decisions.js';
import type { ActionRecord } from '../../../../src/controllers/catalog/enforcement.js';

function plan(fields: Partial<EnforcementPlan>): EnforcementPlan {
  return {
    action: 'MakePrivate',
    dryRun: false,
    maxActionsPerPass: 10,
    violations: 2,
    actions: [],
    skipped: [],
    execute: true,
    ...fields,
  };
}

function record(result: ActionRecord['result'], contested = false): ActionRecord {
  return { id: 'a', action: 'MakePrivate', result, ...(contested ? { contested } : {}) };
}

describe('catalogCondition', () => {
  it('reports the blast radius stop', () => {
    const condition = catalogCondition(plan({ blocked: 'too many', execute: false }), [], 3);

    expect(condition.status).toBe('False');
    expect(condition.reason).toBe('BlastRadiusExceeded');
    expect(condition.observedGeneration).toBe(3);
  });

  it('reports compliance after fixing everything', () => {
    const condition = catalogCondition(plan({}), [record('Succeeded'), record('Succeeded')], 1);

    expect(condition.status).toBe('True');
    expect(condition.reason).toBe('Compliant');
  });

  it('reports a dry run', () => {
    const condition = catalogCondition(plan({ dryRun: true, execute: false }), [], 1);

    expect(condition.reason).toBe('DryRun');
  });

  it('reports violations in Report mode', () => {
    const condition = catalogCondition(plan({ action: 'Report', execute: false }), [], 1);

    expect(condition.status).toBe('False');
    expect(condition.reason).toBe('ViolationsFound');
  });

  it('counts contested images', () => {
    const condition = catalogCondition(plan({}), [record('Succeeded'), record('Skipped', true)], 1);

    expect(condition.reason).toBe('ViolationsFound');
    expect(condition.message).toContain('1 contested');
  });

  it('reports an empty catalog as compliant', () => {
    const condition = catalogCondition(plan({ violations: 0 }), [], 1);

    expect(condition.status).toBe('True');
  });
});

describe('probeCondition', () => {
  it('names each failed check', () => {
    const condition = probeCondition(
      {
        passed: ['set visibility public'],
        failures: ['member could set img_signature (HTTP 200)'],
      },
      1,
    );

    expect(condition.status).toBe('False');
    expect(condition.reason).toBe('ChecksFailed');
    expect(condition.message).toBe('member could set img_signature (HTTP 200)');
  });

  it('verifies when every check passed', () => {
    const condition = probeCondition({ passed: ['set img_signature'], failures: [] }, 1);

    expect(condition.status).toBe('True');
    expect(condition.message).toContain('set img_signature');
  });

  it('reports a probe that could not run', () => {
    const condition = probeCondition({ error: 'Secret not found' }, 1);

    expect(condition.status).toBe('Unknown');
    expect(condition.reason).toBe('ProbeFailed');
  });
});
