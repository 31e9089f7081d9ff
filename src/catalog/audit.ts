/**
 * Pure audit of published images: which public and community images the
 * allow-lists of spec.publishedImages cover, and why the others violate it.
 */
import type { PublishedImageEntry, PublishedImages } from '../api/published-images.js';
import type { GlanceImage } from '../openstack/glance.js';
import { matchGlob } from './glob.js';

/** The two visibilities that publish an image beyond its own project and its members. */
export type Exposure = 'public' | 'community';

/** The image fields the audit reads. A full GlanceImage satisfies it. */
export type CatalogImage = Pick<
  GlanceImage,
  'id' | 'name' | 'owner' | 'visibility' | 'os_hidden' | 'status' | 'tags' | 'os_hash_value'
>;

export const AUDIT_REASONS = {
  allowListed: 'AllowListed',
  notAllowListed: 'NotAllowListed',
  signatureNotVerified: 'SignatureNotVerified',
} as const;
export type AuditReason = (typeof AUDIT_REASONS)[keyof typeof AUDIT_REASONS];

/** The audit result of one published image. */
export interface ImageAudit {
  readonly imageId: string;
  readonly name: string | null;
  readonly owner: string | null;
  readonly exposure: Exposure;
  /** os_hidden: left out of default listings, but still usable by id. */
  readonly hidden: boolean;
  readonly status: string;
  readonly compliant: boolean;
  readonly reason: AuditReason;
  readonly message: string;
  /** Field path of the allow-list entry that allowed the image, when one did. */
  readonly allowedBy?: string;
}

/**
 * Image id to the os_hash_value of the data a SignedImage verified. An entry
 * with requireVerifiedSignature allows an image only when its current
 * os_hash_value equals the verified one, so replaced data is not trusted.
 */
export type VerifiedHashes = ReadonlyMap<string, string>;

const FIELD = 'spec.publishedImages';

/** Returns the exposure of a published image, or undefined for private and shared images. */
export function exposureOf(image: Pick<CatalogImage, 'visibility'>): Exposure | undefined {
  return image.visibility === 'public' || image.visibility === 'community'
    ? image.visibility
    : undefined;
}

/**
 * Audits every public and community image against the allow-lists, in the
 * order given. Private and shared images are skipped. An unset or empty
 * allow-list allows no image of that visibility.
 */
export function auditImages(
  config: PublishedImages,
  images: readonly CatalogImage[],
  verifiedHashes: VerifiedHashes = new Map(),
): ImageAudit[] {
  const audits: ImageAudit[] = [];
  for (const image of images) {
    const exposure = exposureOf(image);
    if (exposure !== undefined) {
      audits.push(auditImage(config, image, exposure, verifiedHashes));
    }
  }
  return audits;
}

function auditImage(
  config: PublishedImages,
  image: CatalogImage,
  exposure: Exposure,
  verifiedHashes: VerifiedHashes,
): ImageAudit {
  const base = {
    imageId: image.id,
    name: image.name,
    owner: image.owner,
    exposure,
    hidden: image.os_hidden,
    status: image.status,
  };
  const listPath = `${FIELD}.${exposure}`;
  const entries = config[exposure] ?? [];
  let unverifiedMatch: string | undefined;

  for (const [index, entry] of entries.entries()) {
    if (!matchesEntry(entry, image)) {
      continue;
    }
    const entryPath = `${listPath}[${index}]`;
    if (entry.requireVerifiedSignature === true && !isVerified(image, verifiedHashes)) {
      unverifiedMatch ??= entryPath;
      continue;
    }
    return {
      ...base,
      compliant: true,
      reason: AUDIT_REASONS.allowListed,
      message: `${exposure} image allowed by ${entryPath}`,
      allowedBy: entryPath,
    };
  }

  if (unverifiedMatch !== undefined) {
    return {
      ...base,
      compliant: false,
      reason: AUDIT_REASONS.signatureNotVerified,
      message:
        `${exposure} image matches ${unverifiedMatch}, which requires a verified signature, ` +
        `but no SignedImage verified its current data (os_hash_value ${image.os_hash_value ?? 'unset'}); ` +
        'verify it with a SignedImage or make it private',
    };
  }
  return {
    ...base,
    compliant: false,
    reason: AUDIT_REASONS.notAllowListed,
    message:
      entries.length === 0
        ? `${exposure} image, but ${listPath} allows no image; add an entry for it or make it private`
        : `${exposure} image matches no entry of ${listPath}; add an entry for it or make it private`,
  };
}

/** Tests every criterion the entry sets. One listed value per criterion is enough. */
export function matchesEntry(entry: PublishedImageEntry, image: CatalogImage): boolean {
  if (entry.imageIds !== undefined && !entry.imageIds.some((id) => sameUuid(id, image.id))) {
    return false;
  }
  if (entry.owners !== undefined && !entry.owners.some((owner) => owner === image.owner)) {
    return false;
  }
  if (entry.tags !== undefined && !entry.tags.some((tag) => image.tags.includes(tag))) {
    return false;
  }
  if (entry.namePatterns !== undefined) {
    const name = image.name ?? '';
    if (!entry.namePatterns.some((pattern) => matchGlob(pattern, name))) {
      return false;
    }
  }
  return true;
}

function isVerified(image: CatalogImage, verifiedHashes: VerifiedHashes): boolean {
  const verified = verifiedHashes.get(image.id);
  return verified !== undefined && image.os_hash_value !== null && verified === image.os_hash_value;
}

/** Compares two UUIDs ignoring case and dashes, as the Uuid schema accepts both forms. */
function sameUuid(a: string, b: string): boolean {
  return a.replaceAll('-', '').toLowerCase() === b.replaceAll('-', '').toLowerCase();
}
