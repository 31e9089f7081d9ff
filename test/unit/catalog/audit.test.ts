import { describe, expect, it } from '@jest/globals';
import type { PublishedImages } from '../../../src/api/published-images.js';
import { AUDIT_REASONS, auditImages, exposureOf } from '../../../src/catalog/audit.js';
import { image, OWNER_A, OWNER_B, uuid } from './fixtures.js';

describe('exposureOf', () => {
  it.each([
    ['public', 'public'],
    ['community', 'community'],
    ['private', undefined],
    ['shared', undefined],
  ] as const)('classifies %s as %s', (visibility, expected) => {
    expect(exposureOf({ visibility })).toBe(expected);
  });
});

describe('auditImages', () => {
  it('skips private and shared images', () => {
    const audits = auditImages({}, [
      image(uuid(1), { visibility: 'private' }),
      image(uuid(2), { visibility: 'shared' }),
    ]);

    expect(audits).toEqual([]);
  });

  it('flags every published image when lists are unset', () => {
    const audits = auditImages({}, [image(uuid(1)), image(uuid(2), { visibility: 'community' })]);

    expect(audits.map((a) => a.compliant)).toEqual([false, false]);
    expect(audits.map((a) => a.reason)).toEqual([
      AUDIT_REASONS.notAllowListed,
      AUDIT_REASONS.notAllowListed,
    ]);
    expect(audits[0]?.message).toContain('spec.publishedImages.public allows no image');
    expect(audits[1]?.message).toContain('spec.publishedImages.community allows no image');
  });

  it('checks each visibility against its own list', () => {
    const config: PublishedImages = { public: [{ owners: [OWNER_A] }] };

    const audits = auditImages(config, [
      image(uuid(1)),
      image(uuid(2), { visibility: 'community' }),
    ]);

    expect(audits[0]?.compliant).toBe(true);
    expect(audits[0]?.allowedBy).toBe('spec.publishedImages.public[0]');
    expect(audits[1]?.compliant).toBe(false);
  });

  it('audits hidden images and marks them', () => {
    const audits = auditImages({}, [image(uuid(1), { os_hidden: true })]);

    expect(audits[0]?.hidden).toBe(true);
    expect(audits[0]?.exposure).toBe('public');
    expect(audits[0]?.compliant).toBe(false);
  });

  it('requires every criterion of an entry', () => {
    const config: PublishedImages = {
      public: [{ owners: [OWNER_A], namePatterns: ['ubuntu-*'], tags: ['golden', 'approved'] }],
    };

    const audits = auditImages(config, [
      image(uuid(1), { name: 'ubuntu-24.04', tags: ['approved'] }),
      image(uuid(2), { name: 'ubuntu-24.04', tags: [] }),
      image(uuid(3), { name: 'debian-12', tags: ['golden'] }),
      image(uuid(4), { name: 'ubuntu-24.04', tags: ['golden'], owner: OWNER_B }),
      image(uuid(5), { name: null, tags: ['golden'] }),
    ]);

    expect(audits.map((a) => a.compliant)).toEqual([true, false, false, false, false]);
  });

  it('matches image ids ignoring case and dashes', () => {
    const id = 'AbCdEf01-2345-6789-abcd-ef0123456789';
    const config: PublishedImages = { community: [{ imageIds: [id.replaceAll('-', '')] }] };

    const audits = auditImages(config, [
      image(id.toLowerCase(), { visibility: 'community' }),
      image(uuid(2), { visibility: 'community' }),
    ]);

    expect(audits.map((a) => a.compliant)).toEqual([true, false]);
  });

  it('uses the first matching entry', () => {
    const config: PublishedImages = {
      public: [{ namePatterns: ['centos-*'] }, { owners: [OWNER_A] }, { tags: ['x'] }],
    };

    const [audit] = auditImages(config, [image(uuid(1), { tags: ['x'] })]);

    expect(audit?.allowedBy).toBe('spec.publishedImages.public[1]');
  });

  it('requires the verified hash to match the data', () => {
    const config: PublishedImages = {
      public: [{ owners: [OWNER_A], requireVerifiedSignature: true }],
    };
    const verified = new Map([
      [uuid(1), 'hash-11111111'],
      [uuid(2), 'hash-of-older-data'],
    ]);

    const audits = auditImages(
      config,
      [image(uuid(1)), image(uuid(2)), image(uuid(3)), image(uuid(4), { os_hash_value: null })],
      verified,
    );

    expect(audits.map((a) => a.reason)).toEqual([
      AUDIT_REASONS.allowListed,
      AUDIT_REASONS.signatureNotVerified,
      AUDIT_REASONS.signatureNotVerified,
      AUDIT_REASONS.signatureNotVerified,
    ]);
    expect(audits[1]?.message).toContain('spec.publishedImages.public[0]');
    expect(audits[1]?.message).toContain('os_hash_value hash-22222222');
  });

  it('falls through to an entry without signature requirement', () => {
    const config: PublishedImages = {
      public: [{ owners: [OWNER_A], requireVerifiedSignature: true }, { tags: ['legacy'] }],
    };

    const [audit] = auditImages(config, [image(uuid(1), { tags: ['legacy'] })]);

    expect(audit?.compliant).toBe(true);
    expect(audit?.allowedBy).toBe('spec.publishedImages.public[1]');
  });

  it('names the list in a violation message', () => {
    const config: PublishedImages = { public: [{ owners: [OWNER_B] }] };

    const [audit] = auditImages(config, [image(uuid(1))]);

    expect(audit?.message).toBe(
      'public image matches no entry of spec.publishedImages.public; add an entry for it or make it private',
    );
  });
});
