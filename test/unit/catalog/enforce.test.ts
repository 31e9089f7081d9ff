import { describe, expect, it } from '@jest/globals';
import type { PublishedImages } from '../../../src/api/published-images.js';
import { applyPlan } from '../../../src/catalog/apply.js';
import { auditImages, type CatalogImage } from '../../../src/catalog/audit.js';
import { planEnforcement } from '../../../src/catalog/enforce.js';
import type { ImagePatchOperation } from '../../../src/openstack/glance.js';
import { image, OWNER_B, uuid } from './fixtures.js';

function plan(config: PublishedImages, images: readonly CatalogImage[]) {
  return planEnforcement(config, auditImages(config, images));
}

const threeViolations = [image(uuid(1)), image(uuid(2)), image(uuid(3))];

describe('planEnforcement', () => {
  it('reports only by default', () => {
    const result = plan({}, threeViolations);

    expect(result.action).toBe('Report');
    expect(result.violations).toBe(3);
    expect(result.actions).toEqual([]);
    expect(result.execute).toBe(false);
    expect(result.blocked).toBeUndefined();
  });

  it('makes violating images private', () => {
    const config: PublishedImages = { action: 'MakePrivate', public: [{ owners: [OWNER_B] }] };

    const result = plan(config, [...threeViolations, image(uuid(4), { owner: OWNER_B })]);

    expect(result.actions.map((a) => a.imageId)).toEqual([uuid(1), uuid(2), uuid(3)]);
    expect(result.actions.every((a) => a.action === 'MakePrivate')).toBe(true);
    expect(result.actions[0]?.reason).toContain('matches no entry');
    expect(result.execute).toBe(true);
  });

  it('plans but does not execute a dry run', () => {
    const result = plan({ action: 'MakePrivate', dryRun: true }, threeViolations);

    expect(result.actions).toHaveLength(3);
    expect(result.execute).toBe(false);
  });

  it('skips images Glance cannot deactivate', () => {
    const result = plan({ action: 'Deactivate' }, [
      image(uuid(1)),
      image(uuid(2), { status: 'deactivated' }),
      image(uuid(3), { status: 'queued' }),
    ]);

    expect(result.actions.map((a) => a.imageId)).toEqual([uuid(1)]);
    expect(result.skipped).toEqual([
      { imageId: uuid(2), name: 'image-22222222', reason: 'already deactivated' },
      {
        imageId: uuid(3),
        name: 'image-33333333',
        reason: 'status is queued, and Glance deactivates only active images',
      },
    ]);
    expect(result.violations).toBe(3);
  });

  it('allows exactly the limit', () => {
    const result = plan({ action: 'MakePrivate', maxActionsPerPass: 3 }, threeViolations);

    expect(result.blocked).toBeUndefined();
    expect(result.execute).toBe(true);
  });

  it('blocks a pass above the limit', () => {
    const result = plan({ action: 'MakePrivate', maxActionsPerPass: 2 }, threeViolations);

    expect(result.execute).toBe(false);
    expect(result.actions).toHaveLength(3);
    expect(result.blocked).toBe(
      '3 images would get MakePrivate, more than spec.publishedImages.maxActionsPerPass (2), ' +
        'so no image was changed; fix the allow-lists or raise the limit',
    );
  });

  it('defaults the limit to 10', () => {
    const many = Array.from({ length: 11 }, (_, i) => image(uuid(i % 10) + String(i)));

    const result = plan({ action: 'Deactivate' }, many);

    expect(result.maxActionsPerPass).toBe(10);
    expect(result.blocked).toContain('11 images');
  });

  it('does not count skipped images against the limit', () => {
    const result = plan({ action: 'Deactivate', maxActionsPerPass: 1 }, [
      image(uuid(1)),
      image(uuid(2), { status: 'deactivated' }),
    ]);

    expect(result.blocked).toBeUndefined();
    expect(result.execute).toBe(true);
  });
});

describe('applyPlan', () => {
  function fakeGlance(failing: ReadonlySet<string> = new Set()) {
    const calls: string[] = [];
    return {
      calls,
      glance: {
        updateImage(id: string, operations: readonly ImagePatchOperation[]) {
          calls.push(`update ${id} ${JSON.stringify(operations)}`);
          return failing.has(id)
            ? Promise.reject(new Error(`glance PATCH ${id} returned HTTP 404`))
            : Promise.resolve({} as never);
        },
        deactivateImage(id: string) {
          calls.push(`deactivate ${id}`);
          return failing.has(id)
            ? Promise.reject(new Error(`glance POST ${id} returned HTTP 403`))
            : Promise.resolve();
        },
      },
    };
  }

  it('sends one request per action', async () => {
    const fake = fakeGlance();

    const outcomes = await applyPlan(
      fake.glance,
      plan({ action: 'MakePrivate' }, threeViolations.slice(0, 1)),
    );

    expect(fake.calls).toEqual([
      `update ${uuid(1)} [{"op":"replace","path":"/visibility","value":"private"}]`,
    ]);
    expect(outcomes).toEqual([{ imageId: uuid(1), action: 'MakePrivate', succeeded: true }]);
  });

  it('continues after a failed action', async () => {
    const fake = fakeGlance(new Set([uuid(1)]));

    const outcomes = await applyPlan(fake.glance, plan({ action: 'Deactivate' }, threeViolations));

    expect(fake.calls).toEqual([
      `deactivate ${uuid(1)}`,
      `deactivate ${uuid(2)}`,
      `deactivate ${uuid(3)}`,
    ]);
    expect(outcomes.map((o) => o.succeeded)).toEqual([false, true, true]);
    expect(outcomes[0]?.error).toContain('HTTP 403');
  });

  it('sends nothing for a blocked plan', async () => {
    const fake = fakeGlance();

    const outcomes = await applyPlan(
      fake.glance,
      plan({ action: 'MakePrivate', maxActionsPerPass: 1 }, threeViolations),
    );

    expect(outcomes).toEqual([]);
    expect(fake.calls).toEqual([]);
  });

  it('sends nothing for a dry run', async () => {
    const fake = fakeGlance();

    await applyPlan(fake.glance, plan({ action: 'Deactivate', dryRun: true }, threeViolations));

    expect(fake.calls).toEqual([]);
  });
});
