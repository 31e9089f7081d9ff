import { describe, expect, it } from '@jest/globals';
import {
  decideEnforcement,
  MARKER,
  markerOperations,
  MAX_REPUBLICATIONS,
  OPERATOR_NAME,
} from '../../../../src/controllers/catalog/markers.js';
import type { GlanceImage } from '../../../../src/openstack/index.js';

const NOW = new Date('2026-12-04T16:00:00Z');

function image(fields: Record<string, unknown> = {}): GlanceImage {
  return {
    id: 'img-1',
    name: 'golden',
    status: 'active',
    visibility: 'public',
    owner: 'project-a',
    os_hidden: false,
    protected: false,
    checksum: null,
    os_hash_algo: null,
    os_hash_value: null,
    size: null,
    disk_format: 'raw',
    container_format: 'bare',
    tags: [],
    created_at: '2026-12-01T00:00:00Z',
    updated_at: '2026-12-01T00:00:00Z',
    ...fields,
  };
}

/** An image the operator changed `count` times and someone published again. */
function republished(count: number): GlanceImage {
  return image({ [MARKER.changedBy]: OPERATOR_NAME, [MARKER.enforcements]: String(count) });
}

describe('decideEnforcement', () => {
  it('acts on a first violation', () => {
    expect(decideEnforcement(image(), 'MakePrivate', true)).toEqual({
      kind: 'act',
      enforcements: 1,
    });
  });

  it('skips an image fixed meanwhile', () => {
    expect(decideEnforcement(image(), 'MakePrivate', false).kind).toBe('skip');
  });

  it('skips deactivating an inactive image', () => {
    expect(decideEnforcement(image({ status: 'queued' }), 'Deactivate', true).kind).toBe('skip');
  });

  it('acts again up to the limit', () => {
    expect(decideEnforcement(republished(MAX_REPUBLICATIONS), 'MakePrivate', true)).toEqual({
      kind: 'act',
      enforcements: MAX_REPUBLICATIONS + 1,
    });
  });

  it('reports contested beyond the limit', () => {
    expect(decideEnforcement(republished(MAX_REPUBLICATIONS + 1), 'MakePrivate', true)).toEqual({
      kind: 'contested',
      republications: MAX_REPUBLICATIONS + 1,
    });
  });

  it('ignores counts another tool wrote', () => {
    const foreign = image({ [MARKER.changedBy]: 'someone', [MARKER.enforcements]: '9' });

    expect(decideEnforcement(foreign, 'MakePrivate', true)).toEqual({
      kind: 'act',
      enforcements: 1,
    });
  });

  it('ignores an unreadable count', () => {
    const garbled = image({ [MARKER.changedBy]: OPERATOR_NAME, [MARKER.enforcements]: 'many' });

    expect(decideEnforcement(garbled, 'MakePrivate', true)).toEqual({
      kind: 'act',
      enforcements: 1,
    });
  });
});

describe('markerOperations', () => {
  it('adds missing markers', () => {
    const operations = markerOperations(image(), 'MakePrivate', 1, NOW);

    expect(operations).toContainEqual({
      op: 'add',
      path: `/${MARKER.previousVisibility}`,
      value: 'public',
    });
    expect(operations).toContainEqual({
      op: 'add',
      path: `/${MARKER.changedBy}`,
      value: OPERATOR_NAME,
    });
    expect(operations).toContainEqual({
      op: 'add',
      path: `/${MARKER.changedAt}`,
      value: '2026-12-04T16:00:00Z',
    });
    expect(operations).toContainEqual({ op: 'add', path: `/${MARKER.enforcements}`, value: '1' });
  });

  it('replaces existing markers', () => {
    const operations = markerOperations(republished(2), 'MakePrivate', 3, NOW);

    expect(operations).toContainEqual({
      op: 'replace',
      path: `/${MARKER.enforcements}`,
      value: '3',
    });
    expect(operations).toContainEqual({
      op: 'replace',
      path: `/${MARKER.changedBy}`,
      value: OPERATOR_NAME,
    });
  });

  it('records the status before deactivation', () => {
    const operations = markerOperations(image(), 'Deactivate', 1, NOW);

    expect(operations).toContainEqual({
      op: 'add',
      path: `/${MARKER.previousStatus}`,
      value: 'active',
    });
    expect(operations.some((op) => op.path === `/${MARKER.previousVisibility}`)).toBe(false);
  });
});
