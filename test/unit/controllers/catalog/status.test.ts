import { describe, expect, it } from '@jest/globals';
import type { Condition } from '../../../../src/api/common.js';
import type { ImageAudit } from '../../../../src/catalog/audit.js';
import {
  buildCatalogStatus,
  catalogStatusPatch,
} from '../../../../src/controllers/catalog/status.js';

const NOW = new Date('2026-12-04T16:00:00.123Z');
const EARLIER = '2026-12-01T10:00:00Z';

function condition(type: string, status: Condition['status'], reason: string): Condition {
  return { type, status, reason, message: `${type} message`, lastTransitionTime: EARLIER };
}

function audit(
  imageId: string,
  exposure: 'public' | 'community',
  hidden: boolean,
  compliant: boolean,
): ImageAudit {
  return {
    imageId,
    name: `image-${imageId}`,
    owner: 'project-a',
    exposure,
    hidden,
    status: 'active',
    compliant,
    reason: compliant ? 'AllowListed' : 'NotAllowListed',
    message: compliant ? 'allowed' : 'not allowed',
  };
}

describe('catalogStatusPatch', () => {
  it('keeps policy controller conditions', () => {
    const live = {
      conditions: [
        condition('Rendered', 'True', 'Rendered'),
        condition('Ready', 'True', 'Reconciled'),
      ],
      contentHash: 'abc',
    };

    const patch = catalogStatusPatch(
      live,
      {
        conditions: [
          { type: 'CatalogCompliant', status: 'False', reason: 'ViolationsFound', message: 'two' },
        ],
      },
      NOW,
    );

    expect(patch.conditions.map((c) => c.type)).toEqual(['Rendered', 'Ready', 'CatalogCompliant']);
    expect(patch.conditions[0]).toEqual(live.conditions[0]);
    expect(patch.conditions[1]).toEqual(live.conditions[1]);
    expect(patch.conditions[2]?.lastTransitionTime).toBe('2026-12-04T16:00:00Z');
  });

  it('replaces its own condition in place', () => {
    const live = {
      conditions: [
        condition('CatalogCompliant', 'False', 'ViolationsFound'),
        condition('Ready', 'True', 'Reconciled'),
      ],
    };

    const patch = catalogStatusPatch(
      live,
      {
        conditions: [
          { type: 'CatalogCompliant', status: 'False', reason: 'DryRun', message: 'dry run' },
        ],
      },
      NOW,
    );

    expect(patch.conditions.map((c) => c.type)).toEqual(['CatalogCompliant', 'Ready']);
    expect(patch.conditions[0]?.reason).toBe('DryRun');
    expect(patch.conditions[0]?.lastTransitionTime).toBe(EARLIER);
  });

  it('leaves catalog out after a failed audit', () => {
    const patch = catalogStatusPatch(
      undefined,
      {
        conditions: [
          { type: 'CatalogCompliant', status: 'Unknown', reason: 'AuditFailed', message: 'x' },
        ],
      },
      NOW,
    );

    expect('catalog' in patch).toBe(false);
    expect(patch.conditions).toHaveLength(1);
  });

  it('never touches other status fields', () => {
    const patch = catalogStatusPatch({ contentHash: 'abc', findings: [] }, { conditions: [] }, NOW);

    expect(Object.keys(patch)).toEqual(['conditions']);
  });
});

describe('buildCatalogStatus', () => {
  it('counts by visibility and compliance', () => {
    const status = buildCatalogStatus(
      [
        audit('1', 'public', false, true),
        audit('2', 'public', true, false),
        audit('3', 'community', false, false),
        audit('4', 'community', true, true),
        audit('5', 'community', true, false),
      ],
      [],
      NOW,
    );

    expect(status.counts).toEqual({
      public: 1,
      community: 1,
      hiddenPublic: 1,
      hiddenCommunity: 2,
      compliant: 2,
      violations: 3,
    });
    expect(status.lastAuditTime).toBe('2026-12-04T16:00:00Z');
    expect(status.violations?.map((v) => v.id)).toEqual(['2', '3', '5']);
  });

  it('caps violations at 50', () => {
    const audits = Array.from({ length: 70 }, (_, i) => audit(String(i), 'public', false, false));

    const status = buildCatalogStatus(audits, [], NOW);

    expect(status.violations).toHaveLength(50);
    expect(status.counts.violations).toBe(70);
  });
});
