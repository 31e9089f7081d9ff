import { GROUP, VERSION } from '../api/group.js';
import { isApiError } from '../kube/errors.js';
import type { KubeClients } from '../kube/client.js';

/**
 * Reads one of our custom objects from the apiserver, not from an informer
 * cache, so a reconcile sees its own last status write. Returns undefined
 * when the object no longer exists.
 */
export async function readCustomObject<T>(
  custom: KubeClients['custom'],
  plural: string,
  namespace: string,
  name: string,
): Promise<T | undefined> {
  try {
    const object: unknown = await custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural,
      name,
    });
    return object as T;
  } catch (error) {
    if (isApiError(error, 404)) {
      return undefined;
    }
    throw error;
  }
}
