import type { CatalogImage } from '../../../src/catalog/audit.js';

export const OWNER_A = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
export const OWNER_B = 'ffeeddccbbaa99887766554433221100';

/** Builds a public, active, visible image of OWNER_A; fields override the defaults. */
export function image(id: string, fields: Partial<CatalogImage> = {}): CatalogImage {
  return {
    id,
    name: `image-${id.slice(0, 8)}`,
    owner: OWNER_A,
    visibility: 'public',
    os_hidden: false,
    status: 'active',
    tags: [],
    os_hash_value: `hash-${id.slice(0, 8)}`,
    ...fields,
  };
}

/** Returns a UUID whose digits are all `digit`, so tests can tell images apart at a glance. */
export function uuid(digit: number): string {
  const d = String(digit).repeat(32);
  return `${d.slice(0, 8)}-${d.slice(8, 12)}-${d.slice(12, 16)}-${d.slice(16, 20)}-${d.slice(20)}`;
}
