import { describe, expect, it } from '@jest/globals';
import { findCondition, setCondition } from '../../../src/kube/conditions.js';

const t0 = new Date('2026-01-01T00:00:00.123Z');
const t1 = new Date('2026-01-01T01:00:00.000Z');

describe('setCondition', () => {
  it('adds a missing condition', () => {
    const list = setCondition(
      [],
      { type: 'Ready', status: 'True', reason: 'Reconciled', message: 'ok', observedGeneration: 3 },
      t0,
    );

    expect(list).toEqual([
      {
        type: 'Ready',
        status: 'True',
        reason: 'Reconciled',
        message: 'ok',
        observedGeneration: 3,
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ]);
  });

  it('keeps the transition time when status is unchanged', () => {
    const first = setCondition(
      [],
      { type: 'Ready', status: 'False', reason: 'A', message: 'a' },
      t0,
    );
    const second = setCondition(
      first,
      { type: 'Ready', status: 'False', reason: 'B', message: 'b' },
      t1,
    );

    expect(second[0]?.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    expect(second[0]?.reason).toBe('B');
    expect(second[0]?.message).toBe('b');
  });

  it('changes the transition time when status flips', () => {
    const first = setCondition(
      [],
      { type: 'Ready', status: 'False', reason: 'A', message: 'a' },
      t0,
    );
    const second = setCondition(
      first,
      { type: 'Ready', status: 'True', reason: 'A', message: 'a' },
      t1,
    );

    expect(second[0]?.lastTransitionTime).toBe('2026-01-01T01:00:00Z');
  });

  it('keeps the position and other conditions', () => {
    let list = setCondition([], { type: 'Rendered', status: 'True', reason: 'R', message: '' }, t0);
    list = setCondition(list, { type: 'Ready', status: 'True', reason: 'R', message: '' }, t0);
    list = setCondition(list, { type: 'Rendered', status: 'False', reason: 'X', message: '' }, t1);

    expect(list.map((condition) => condition.type)).toEqual(['Rendered', 'Ready']);
    expect(findCondition(list, 'Ready')?.status).toBe('True');
  });

  it('returns an equal list for the same decision', () => {
    const update = { type: 'Ready', status: 'True' as const, reason: 'R', message: 'm' };
    const first = setCondition([], update, t0);

    expect(setCondition(first, update, t1)).toEqual(first);
  });

  it('does not modify its input', () => {
    const first = setCondition([], { type: 'Ready', status: 'True', reason: 'R', message: '' }, t0);
    const copy = structuredClone(first);
    setCondition(first, { type: 'Ready', status: 'False', reason: 'X', message: '' }, t1);

    expect(first).toEqual(copy);
  });
});
