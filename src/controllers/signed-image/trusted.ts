import { createHash } from 'node:crypto';
import type { CoreV1Api } from '@kubernetes/client-node';
import type { TrustedCertificate } from '../../api/image-security-policy.js';
import type { BarbicanClient } from '../../openstack/index.js';
import { readSecretKey } from './kube-inputs.js';
import { hasStatus, openStackOutcome } from './openstack-errors.js';
import { cachedPayload } from './payloads.js';
import { OutcomeError, REASON, unknown } from './reasons.js';

/** The policy's trusted CA certificates, as PEM, with a fingerprint of each for the cache key. */
export interface TrustedSet {
  readonly pems: readonly Buffer[];
  readonly fingerprints: readonly string[];
}

/**
 * Loads the policy's `spec.trustedCertificates`. Returns undefined when the
 * policy lists none, so only the signature is checked, as Glance does at
 * upload. A certificate that cannot be fetched stops the reconcile with an
 * Unknown outcome: the image is not judged against an incomplete trust set.
 */
export async function loadTrustedCertificates(
  entries: readonly TrustedCertificate[] | undefined,
  deps: { core: CoreV1Api; barbican: BarbicanClient; namespace: string; policyName: string },
): Promise<TrustedSet | undefined> {
  if (entries === undefined) {
    return undefined;
  }
  const pems: Buffer[] = [];
  for (const [index, entry] of entries.entries()) {
    const field = `ImageSecurityPolicy ${deps.policyName} spec.trustedCertificates[${index}]`;
    if (entry.secretRef !== undefined) {
      const text = await readSecretKey(
        deps.core,
        deps.namespace,
        entry.secretRef,
        `${field}.secretRef`,
      );
      pems.push(Buffer.from(text, 'utf8'));
      continue;
    }
    const id = (entry.barbicanSecretId ?? '').toLowerCase();
    try {
      pems.push(await cachedPayload(deps.barbican, id));
    } catch (error) {
      if (hasStatus(error, 403, 404)) {
        throw new OutcomeError(
          unknown(
            REASON.trustedCertificateUnavailable,
            `${field}.barbicanSecretId: Barbican secret ${id} was not found in the cloud's ` +
              `project (HTTP ${error.status}); fix the id or store the CA certificate there`,
          ),
        );
      }
      throw openStackOutcome(error, `reading trusted certificate ${id} from Barbican`);
    }
  }
  const fingerprints = pems.map((pem) => createHash('sha256').update(pem).digest('hex'));
  return { pems, fingerprints };
}
