import type { CustomObjectsApi } from '@kubernetes/client-node';
import { GROUP, SIGNED_IMAGE, VERSION } from '../../api/group.js';
import type { SignedImage } from '../../api/signed-image.js';
import type { VerifiedHashes } from '../../catalog/audit.js';
import { findCondition } from '../../kube/conditions.js';

/**
 * Maps image ids to the os_hash_value that a SignedImage in `namespace`
 * verified. Only SignedImages whose Verified condition is True count. The
 * audit compares the hash with the image's current one, so data replaced
 * after the verification is not trusted.
 */
export async function verifiedHashesIn(
  custom: CustomObjectsApi,
  namespace: string,
): Promise<VerifiedHashes> {
  const list = (await custom.listNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: SIGNED_IMAGE.plural,
  })) as { items?: SignedImage[] };
  const hashes = new Map<string, string>();
  for (const item of list.items ?? []) {
    const status = item.status;
    const verified = findCondition(status?.conditions, 'Verified')?.status === 'True';
    if (verified && status?.imageId !== undefined && status.verifiedHash !== undefined) {
      hashes.set(status.imageId, status.verifiedHash);
    }
  }
  return hashes;
}
