import { createHash } from 'node:crypto';
import type { VerificationResult } from './result.js';

/** Inputs a verification result depends on. A change in any of them needs a new download. */
export interface CacheKeyParts {
  readonly imageId: string;
  /** Glance's `os_hash_value` of the image data. */
  readonly osHashValue: string | null | undefined;
  readonly signature: string;
  readonly hashMethod: string;
  readonly keyType: string;
  readonly certificateFingerprint: string;
  /** Fingerprints of the trusted certificates, or undefined when the chain is not validated. */
  readonly trustedFingerprints?: readonly string[];
}

/**
 * Derives the cache key. Returns undefined when the image has no `os_hash_value` (images
 * uploaded before Glance computed one), because then nothing identifies the data.
 */
export function cacheKey(parts: CacheKeyParts): string | undefined {
  if (!parts.osHashValue) {
    return undefined;
  }
  const trusted = parts.trustedFingerprints ? [...parts.trustedFingerprints].sort() : null;
  const material = JSON.stringify([
    parts.imageId,
    parts.osHashValue,
    parts.signature,
    parts.hashMethod,
    parts.keyType,
    parts.certificateFingerprint,
    trusted,
  ]);
  return createHash('sha256').update(material).digest('hex');
}

interface Entry {
  readonly result: VerificationResult;
  readonly expiresAt: number;
}

/** A least-recently-used cache of verification results, so unchanged images are not downloaded again. */
export class VerificationCache {
  private readonly entries = new Map<string, Entry>();

  /** @param maxEntries entries kept before the least recently used is dropped. */
  constructor(private readonly maxEntries = 1000) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`maxEntries ${maxEntries} must be a positive integer`);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Returns the stored result unless it expired at `now`, and marks it recently used. */
  get(key: string, now: Date = new Date()): VerificationResult | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      return undefined;
    }
    this.entries.delete(key);
    if (now.getTime() > entry.expiresAt) {
      return undefined;
    }
    this.entries.set(key, entry);
    return entry.result;
  }

  /**
   * Stores a result. `expiresAt` should be the earliest notAfter in the certificate chain,
   * because a cached Verified must not outlive the certificate that earned it.
   */
  set(key: string, result: VerificationResult, expiresAt?: Date): void {
    this.entries.delete(key);
    this.entries.set(key, { result, expiresAt: expiresAt?.getTime() ?? Number.POSITIVE_INFINITY });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) {
        break;
      }
      this.entries.delete(oldest.value);
    }
  }
}
