import { describe, expect, it } from '@jest/globals';
import { validateManifest } from '../../../src/api/validate.js';

function policy(publishedImages: unknown): Record<string, unknown> {
  return {
    apiVersion: 'imagesecurity.xloud.io/v1alpha1',
    kind: 'ImageSecurityPolicy',
    metadata: { name: 'catalog' },
    spec: {
      propertyProtection: { format: 'roles', rules: [] },
      targets: { imageService: { configMapName: 'glance-security' } },
      publishedImages,
    },
  };
}

describe('spec.publishedImages schema', () => {
  it('accepts a full section', () => {
    const findings = validateManifest(
      policy({
        public: [
          { owners: ['0a1b2c3d4e5f60718293a4b5c6d7e8f9'], namePatterns: ['ubuntu-*'] },
          { imageIds: ['0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9'], requireVerifiedSignature: true },
        ],
        community: [{ tags: ['shared-base'] }],
        action: 'MakePrivate',
        dryRun: true,
        auditInterval: '1h30m',
        maxActionsPerPass: 5,
      }),
    );

    expect(findings).toEqual([]);
  });

  it('rejects an entry without criteria', () => {
    const findings = validateManifest(policy({ public: [{ requireVerifiedSignature: true }] }));

    expect(findings).toHaveLength(1);
    expect(findings[0]?.path).toBe('spec.publishedImages.public[0]');
    expect(findings[0]?.message).toContain(
      'set at least one of owners, namePatterns, tags or imageIds',
    );
  });

  it.each([
    ['action', { action: 'Delete' }, 'spec.publishedImages.action'],
    ['auditInterval', { auditInterval: '10 minutes' }, 'spec.publishedImages.auditInterval'],
    ['maxActionsPerPass', { maxActionsPerPass: 0 }, 'spec.publishedImages.maxActionsPerPass'],
  ])('rejects a bad %s', (_field, section, path) => {
    const findings = validateManifest(policy(section));

    expect(findings.map((finding) => finding.path)).toContain(path);
  });
});
