import { isDeepStrictEqual } from 'node:util';
import type { ImageSecurityPolicyStatus } from '../../api/image-security-policy.js';

/** Largest number of findings stored in status, matching the CRD's maxItems. */
export const MAX_STATUS_FINDINGS = 50;

/**
 * Returns the merge patch that turns `live` into `desired`, or undefined when
 * they are equal, so a reconcile that changes nothing writes nothing. Fields
 * present in `live` but absent from `desired` are set to null, which a merge
 * patch reads as "remove".
 */
export function statusPatch(
  live: ImageSecurityPolicyStatus | undefined,
  desired: ImageSecurityPolicyStatus,
): Record<string, unknown> | undefined {
  const livePlain = toPlain(live ?? {});
  const desiredPlain = toPlain(desired);
  if (isDeepStrictEqual(livePlain, desiredPlain)) {
    return undefined;
  }

  const patch: Record<string, unknown> = { ...desiredPlain };
  for (const key of Object.keys(livePlain)) {
    if (!(key in desiredPlain)) {
      patch[key] = null;
    }
  }
  return patch;
}

/** Drops undefined fields and class prototypes, so objects from the API compare with built ones. */
function toPlain(value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}
