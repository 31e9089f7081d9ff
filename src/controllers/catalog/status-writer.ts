import type { CustomObjectsApi } from '@kubernetes/client-node';
import { GROUP, IMAGE_SECURITY_POLICY, VERSION } from '../../api/group.js';
import type { ImageSecurityPolicy } from '../../api/image-security-policy.js';
import { isApiError } from '../../kube/errors.js';
import { mergePatchOptions } from '../../kube/patch.js';
import { catalogStatusPatch, type CatalogStatusUpdate } from './status.js';

/** Attempts of one status write; each conflict costs one attempt. */
const MAX_ATTEMPTS = 5;

/**
 * Writes status.catalog and the catalog conditions. Each attempt reads the
 * policy, merges, and patches with the read resourceVersion as a
 * precondition, so a concurrent write by the policy controller is never
 * overwritten with stale conditions. Returns false when the policy is gone.
 */
export async function writeCatalogStatus(
  custom: CustomObjectsApi,
  namespace: string,
  name: string,
  update: CatalogStatusUpdate,
  now: Date,
): Promise<boolean> {
  const request = { group: GROUP, version: VERSION, plural: IMAGE_SECURITY_POLICY.plural };
  for (let attempt = 1; ; attempt += 1) {
    let live: ImageSecurityPolicy;
    try {
      live = (await custom.getNamespacedCustomObject({
        ...request,
        namespace,
        name,
      })) as ImageSecurityPolicy;
    } catch (error) {
      if (isApiError(error, 404)) {
        return false;
      }
      throw error;
    }

    const status = catalogStatusPatch(live.status, update, now);
    try {
      await custom.patchNamespacedCustomObjectStatus(
        {
          ...request,
          namespace,
          name,
          body: { metadata: { resourceVersion: live.metadata.resourceVersion }, status },
        },
        mergePatchOptions(),
      );
      return true;
    } catch (error) {
      if (isApiError(error, 409) && attempt < MAX_ATTEMPTS) {
        continue;
      }
      if (isApiError(error, 404)) {
        return false;
      }
      throw error;
    }
  }
}
