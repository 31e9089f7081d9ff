import { describe, expect, it } from '@jest/globals';
import type { PublishedImages } from '../../../../src/api/published-images.js';
import { auditImages } from '../../../../src/catalog/audit.js';
import { planEnforcement } from '../../../../src/catalog/enforce.js';
import {
  enforcePlan,
  type EnforcementGlance,
} from '../../../../src/controllers/catalog/enforcement.js';
import { MARKER, OPERATOR_NAME } from '../../../../src/controllers/catalog/markers.js';
import {
  OpenStackError,
  type GlanceImage,
  type ImagePatchOperation,
} from '../../../../src/openstack/index.js';

const NOW = new Date('2026-12-04T16:00:00Z');

function image(id: string, fields: Record<string, unknown> = {}): GlanceImage {
  return {
    id,
    name: id,
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

/** An in-memory Glance that applies patches and records every write. */
class FakeGlance implements EnforcementGlance {
  readonly writes: string[] = [];
  denyMarkers = false;
  constructor(private readonly images: Map<string, GlanceImage>) {}

  getImage(id: string): Promise<GlanceImage> {
    const found = this.images.get(id);
    if (found === undefined) {
      return Promise.reject(
        new OpenStackError({ service: 'glance', method: 'GET', path: id, status: 404 }),
      );
    }
    return Promise.resolve(found);
  }

  updateImage(id: string, operations: readonly ImagePatchOperation[]): Promise<GlanceImage> {
    if (this.denyMarkers && operations.some((op) => op.path.startsWith('/xloud_'))) {
      return Promise.reject(
        new OpenStackError({ service: 'glance', method: 'PATCH', path: id, status: 403 }),
      );
    }
    this.writes.push(`PATCH ${id}`);
    const current = { ...this.images.get(id) } as Record<string, unknown>;
    for (const op of operations) {
      if (op.op !== 'remove') {
        current[op.path.slice(1)] = op.value;
      }
    }
    this.images.set(id, current as unknown as GlanceImage);
    return Promise.resolve(current as unknown as GlanceImage);
  }

  deactivateImage(id: string): Promise<void> {
    this.writes.push(`DEACTIVATE ${id}`);
    const current = this.images.get(id);
    if (current !== undefined) {
      this.images.set(id, { ...current, status: 'deactivated' });
    }
    return Promise.resolve();
  }
}

async function pass(glance: FakeGlance, images: Map<string, GlanceImage>, config: PublishedImages) {
  const audits = auditImages(config, [...images.values()]);
  const plan = planEnforcement(config, audits);
  return enforcePlan(glance, config, plan, new Map(), NOW);
}

describe('enforcePlan', () => {
  const makePrivate: PublishedImages = { action: 'MakePrivate' };

  it('makes images private and records markers', async () => {
    const images = new Map([['a', image('a')]]);
    const glance = new FakeGlance(images);

    const records = await pass(glance, images, makePrivate);

    expect(records).toEqual([expect.objectContaining({ id: 'a', result: 'Succeeded' })]);
    const changed = images.get('a');
    expect(changed?.visibility).toBe('private');
    expect(changed?.[MARKER.previousVisibility]).toBe('public');
    expect(changed?.[MARKER.changedBy]).toBe(OPERATOR_NAME);
    expect(changed?.[MARKER.enforcements]).toBe('1');
  });

  it('writes nothing on the second pass', async () => {
    const images = new Map([['a', image('a')]]);
    const glance = new FakeGlance(images);

    await pass(glance, images, makePrivate);
    const writesAfterFirst = glance.writes.length;
    const second = await pass(glance, images, makePrivate);

    expect(second).toEqual([]);
    expect(glance.writes).toHaveLength(writesAfterFirst);
  });

  it('skips an image fixed after listing', async () => {
    const images = new Map([['a', image('a')]]);
    const glance = new FakeGlance(images);
    const plan = planEnforcement(makePrivate, auditImages(makePrivate, [...images.values()]));
    images.set('a', image('a', { visibility: 'private' }));

    const records = await enforcePlan(glance, makePrivate, plan, new Map(), NOW);

    expect(records[0]?.result).toBe('Skipped');
    expect(glance.writes).toEqual([]);
  });

  it('acts once per pass on republication', async () => {
    const images = new Map([['a', image('a')]]);
    const glance = new FakeGlance(images);
    await pass(glance, images, makePrivate);
    images.set('a', { ...images.get('a'), visibility: 'public' } as GlanceImage);

    const records = await pass(glance, images, makePrivate);

    expect(records).toHaveLength(1);
    expect(glance.writes).toEqual(['PATCH a', 'PATCH a']);
    expect(images.get('a')?.[MARKER.enforcements]).toBe('2');
  });

  it('stops on a contested image', async () => {
    const images = new Map([['a', image('a')]]);
    const glance = new FakeGlance(images);
    for (let round = 0; round < 4; round += 1) {
      await pass(glance, images, makePrivate);
      images.set('a', { ...images.get('a'), visibility: 'public' } as GlanceImage);
    }
    const writes = glance.writes.length;

    const records = await pass(glance, images, makePrivate);

    expect(records[0]).toEqual(expect.objectContaining({ result: 'Skipped', contested: true }));
    expect(glance.writes).toHaveLength(writes);
    expect(images.get('a')?.visibility).toBe('public');
  });

  it('changes visibility when markers are denied', async () => {
    const images = new Map([['a', image('a')]]);
    const glance = new FakeGlance(images);
    glance.denyMarkers = true;

    const records = await pass(glance, images, makePrivate);

    expect(records[0]?.result).toBe('Succeeded');
    expect(records[0]?.message).toContain('HTTP 403');
    expect(images.get('a')?.visibility).toBe('private');
  });

  it('deactivates after recording markers', async () => {
    const images = new Map([['a', image('a')]]);
    const glance = new FakeGlance(images);

    await pass(glance, images, { action: 'Deactivate' });

    expect(glance.writes).toEqual(['PATCH a', 'DEACTIVATE a']);
    expect(images.get('a')?.status).toBe('deactivated');
    expect(images.get('a')?.[MARKER.previousStatus]).toBe('active');
  });

  it('changes nothing in a dry run', async () => {
    const images = new Map([['a', image('a')]]);
    const glance = new FakeGlance(images);

    const records = await pass(glance, images, { action: 'MakePrivate', dryRun: true });

    expect(records[0]?.result).toBe('Planned');
    expect(glance.writes).toEqual([]);
  });

  it('changes nothing beyond the blast radius', async () => {
    const images = new Map(['a', 'b', 'c'].map((id) => [id, image(id)]));
    const glance = new FakeGlance(images);

    const records = await pass(glance, images, { action: 'MakePrivate', maxActionsPerPass: 2 });

    expect(records.map((record) => record.result)).toEqual(['Skipped', 'Skipped', 'Skipped']);
    expect(glance.writes).toEqual([]);
  });
});
