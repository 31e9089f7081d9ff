import { describe, expect, it } from '@jest/globals';
import type { PublishedImages } from '../../../src/api/published-images.js';
import { auditImages } from '../../../src/catalog/audit.js';
import { planEnforcement } from '../../../src/catalog/enforce.js';
import { formatAuditTable } from '../../../src/cli/audit-table.js';
import { image, OWNER_A, uuid } from './fixtures.js';

const images = [
  image(uuid(1), { name: 'golden-ubuntu' }),
  image(uuid(2), { name: 'scratch', os_hidden: true }),
  image(uuid(3), { name: 'old', status: 'deactivated' }),
];

function table(config: PublishedImages, outcomes?: Parameters<typeof formatAuditTable>[2]) {
  const audits = auditImages(config, images);
  return formatAuditTable(audits, planEnforcement(config, audits), outcomes).split('\n');
}

describe('formatAuditTable', () => {
  it('lists violations first with aligned columns', () => {
    const lines = table({ public: [{ owners: [OWNER_A], namePatterns: ['golden-*'] }] });

    expect(lines[0]).toMatch(/^RESULT {5}VISIBILITY {7}STATUS/);
    expect(lines[1]).toMatch(/^VIOLATION {2}public \(hidden\) {2}active {7}2{8}-/);
    expect(lines[1]).toContain('NotAllowListed');
    expect(lines[3]).toMatch(/^ok {9}public/);
    expect(lines[3]).toContain('spec.publishedImages.public[0]');
    expect(lines).toContain('3 published images audited, 2 violations.');
    expect(lines).toContain('action Report: no image is changed.');
  });

  it('shows skipped images and the apply hint', () => {
    const lines = table({ action: 'Deactivate' });

    expect(lines).toContain('action Deactivate: 2 images planned, 1 skipped.');
    expect(lines).toContain(`  skipped ${uuid(3)}: already deactivated`);
    expect(lines).toContain('no image was changed; pass --apply to run the planned actions.');
  });

  it('shows a blocked pass', () => {
    const lines = table({ action: 'MakePrivate', maxActionsPerPass: 1 });

    expect(lines.some((line) => line.startsWith('blocked: 3 images would get MakePrivate'))).toBe(
      true,
    );
  });

  it('shows each outcome', () => {
    const lines = table({ action: 'MakePrivate' }, [
      { imageId: uuid(1), action: 'MakePrivate', succeeded: true },
      { imageId: uuid(2), action: 'MakePrivate', succeeded: false, error: 'HTTP 404' },
    ]);

    expect(lines).toContain(`  MakePrivate ${uuid(1)}: done`);
    expect(lines).toContain(`  MakePrivate ${uuid(2)}: failed: HTTP 404`);
  });
});
