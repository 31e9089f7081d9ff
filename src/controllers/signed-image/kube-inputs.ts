import type { CoreV1Api } from '@kubernetes/client-node';
import type { SecretKeySelector } from '../../api/common.js';
import { isApiError } from '../../kube/errors.js';
import { OutcomeError, REASON, unknown } from './reasons.js';

/**
 * Reads one key of a Secret in `namespace` as UTF-8 text. A missing Secret
 * or key becomes an OutcomeError naming `field`. Messages carry names only,
 * never the value.
 */
export async function readSecretKey(
  core: CoreV1Api,
  namespace: string,
  selector: SecretKeySelector,
  field: string,
): Promise<string> {
  let data: Record<string, string> | undefined;
  try {
    const secret = await core.readNamespacedSecret({ name: selector.name, namespace });
    data = secret.data;
  } catch (error) {
    if (isApiError(error, 404)) {
      throw new OutcomeError(
        unknown(
          REASON.secretNotFound,
          `${field}.name: Secret ${namespace}/${selector.name} was not found; create it or fix the name`,
        ),
      );
    }
    throw error;
  }
  const encoded = data?.[selector.key];
  if (encoded === undefined || encoded === '') {
    const keys = Object.keys(data ?? {}).sort();
    throw new OutcomeError(
      unknown(
        REASON.secretKeyMissing,
        `${field}.key: Secret ${namespace}/${selector.name} has no key "${selector.key}" ` +
          `(keys: ${keys.length === 0 ? 'none' : keys.join(', ')}); add it or fix the key`,
      ),
    );
  }
  return Buffer.from(encoded, 'base64').toString('utf8');
}
