import { describe, expect, it } from '@jest/globals';
import { cacheKey, VerificationCache, type CacheKeyParts } from '../../../src/signature/cache.js';
import type { VerificationResult } from '../../../src/signature/result.js';

const parts: CacheKeyParts = {
  imageId: 'image-1',
  osHashValue: 'abc123',
  signature: 'QUJD',
  hashMethod: 'SHA-256',
  keyType: 'RSA-PSS',
  certificateFingerprint: 'AA:BB',
  trustedFingerprints: ['11:22', '33:44'],
};

const result = (message: string): VerificationResult => ({
  reason: 'Verified',
  verified: true,
  message,
  bytesRead: 3,
  warnings: [],
});

describe('cacheKey', () => {
  it('changes with every part', () => {
    const base = cacheKey(parts);
    const changes: Partial<CacheKeyParts>[] = [
      { imageId: 'image-2' },
      { osHashValue: 'def456' },
      { signature: 'REVG' },
      { hashMethod: 'SHA-512' },
      { keyType: 'DSA' },
      { certificateFingerprint: 'CC:DD' },
      { trustedFingerprints: ['11:22'] },
      { trustedFingerprints: undefined },
    ];
    for (const change of changes) {
      expect(cacheKey({ ...parts, ...change })).not.toBe(base);
    }
  });

  it('ignores the order of trusted certificates', () => {
    expect(cacheKey({ ...parts, trustedFingerprints: ['33:44', '11:22'] })).toBe(cacheKey(parts));
  });

  it('returns undefined without os_hash_value', () => {
    expect(cacheKey({ ...parts, osHashValue: null })).toBeUndefined();
    expect(cacheKey({ ...parts, osHashValue: '' })).toBeUndefined();
  });
});

describe('VerificationCache', () => {
  it('drops the least recently used entry', () => {
    const cache = new VerificationCache(2);
    cache.set('a', result('a'));
    cache.set('b', result('b'));
    expect(cache.get('a')?.message).toBe('a');
    cache.set('c', result('c'));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.message).toBe('a');
    expect(cache.get('c')?.message).toBe('c');
    expect(cache.size).toBe(2);
  });

  it('expires an entry after its certificate does', () => {
    const cache = new VerificationCache();
    const notAfter = new Date('2030-01-01T00:00:00Z');
    cache.set('a', result('a'), notAfter);
    expect(cache.get('a', notAfter)?.message).toBe('a');
    expect(cache.get('a', new Date(notAfter.getTime() + 1000))).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('rejects a size below one', () => {
    expect(() => new VerificationCache(0)).toThrow('maxEntries 0 must be a positive integer');
  });
});
