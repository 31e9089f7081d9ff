import type { CoreV1Api } from '@kubernetes/client-node';
import type { CertificateSource } from '../../api/signed-image.js';
import type { BarbicanClient, BarbicanSecret } from '../../openstack/index.js';
import { parseCertificatePem, type Certificate } from '../../signature/certificate.js';
import { readSecretKey } from './kube-inputs.js';
import { hasStatus, openStackOutcome } from './openstack-errors.js';
import { cachedPayload } from './payloads.js';
import { OutcomeError, REASON, verdict } from './reasons.js';

/** Prefix of the Barbican secrets the operator creates for certificates from Kubernetes Secrets. */
export const SECRET_NAME_PREFIX = 'image-security-operator-';

/** The signing certificate and the Barbican secret Glance and Nova read it from. */
export interface SigningCertificate {
  readonly secretId: string;
  readonly certificate: Certificate;
  /** PEM text of the certificate alone. */
  readonly pem: string;
  /** True when this reconcile created the Barbican secret. */
  readonly stored: boolean;
}

/** The secret recorded in the last status, so a stored certificate is found without a listing. */
export interface KnownSecret {
  readonly secretId?: string;
  readonly fingerprint?: string;
}

/**
 * Returns the Barbican secret name for a certificate: the prefix and the
 * first 32 hex digits of its SHA-256 fingerprint. The same certificate always
 * gets the same name, so it is stored once per project however many
 * SignedImages use it.
 */
export function certificateSecretName(fingerprint: string): string {
  return `${SECRET_NAME_PREFIX}${fingerprint.replace(/:/g, '').toLowerCase().slice(0, 32)}`;
}

/** Stores in flight, by secret name, so parallel reconciles create one secret, not two. */
const storing = new Map<string, Promise<string>>();

/**
 * Resolves the signing certificate. A `barbicanSecretId` is read from
 * Barbican. A `secretRef` is read from Kubernetes and stored in Barbican
 * unless a secret with its name and fingerprint already exists there.
 */
export async function resolveCertificate(
  source: CertificateSource,
  deps: { core: CoreV1Api; barbican: BarbicanClient; namespace: string; known: KnownSecret },
): Promise<SigningCertificate> {
  if (source.barbicanSecretId !== undefined) {
    return fromBarbican(deps.barbican, source.barbicanSecretId.toLowerCase());
  }
  if (source.secretRef === undefined) {
    throw new Error('spec.certificate sets neither barbicanSecretId nor secretRef');
  }

  const text = await readSecretKey(
    deps.core,
    deps.namespace,
    source.secretRef,
    'spec.certificate.secretRef',
  );
  const parsed = parseCertificatePem(
    text,
    `certificate in Secret ${deps.namespace}/${source.secretRef.name} key ${source.secretRef.key}`,
  );
  if (!parsed.ok) {
    throw new OutcomeError(verdict(REASON.certificateInvalid, parsed.message));
  }
  const certificate = parsed.certificate;
  // Only the certificate is stored, even when the Secret key also contains other PEM blocks.
  const pem = certificate.x509.toString();
  const { secretId, stored } = await ensureStored(deps.barbican, certificate, pem, deps.known);
  return { secretId, certificate, pem, stored };
}

async function fromBarbican(barbican: BarbicanClient, id: string): Promise<SigningCertificate> {
  const step = `reading certificate secret ${id} from Barbican`;
  let metadata: BarbicanSecret;
  let payload: Buffer;
  try {
    metadata = await barbican.getSecret(id);
    payload = await cachedPayload(barbican, id);
  } catch (error) {
    if (hasStatus(error, 403, 404)) {
      throw new OutcomeError(
        verdict(
          REASON.certificateNotFound,
          `spec.certificate.barbicanSecretId: Barbican secret ${id} was not found in the ` +
            `cloud's project (HTTP ${error.status}). A secret in another project is not visible, ` +
            "and Glance and Nova read it with the image user's token, so verification fails " +
            'there too; store the certificate in the project that uses the image',
        ),
      );
    }
    throw openStackOutcome(error, step);
  }

  if (metadata.secret_type !== 'certificate') {
    throw new OutcomeError(
      verdict(
        REASON.certificateInvalid,
        `spec.certificate.barbicanSecretId: Barbican secret ${id} has secret_type ` +
          `"${metadata.secret_type}", but Glance loads only secret_type certificate; ` +
          'store the PEM certificate again with secret_type certificate',
      ),
    );
  }
  const parsed = parseCertificatePem(payload, `Barbican secret ${id}`);
  if (!parsed.ok) {
    throw new OutcomeError(verdict(REASON.certificateInvalid, parsed.message));
  }
  return {
    secretId: id,
    certificate: parsed.certificate,
    pem: payload.toString('utf8'),
    stored: false,
  };
}

async function ensureStored(
  barbican: BarbicanClient,
  certificate: Certificate,
  pem: string,
  known: KnownSecret,
): Promise<{ secretId: string; stored: boolean }> {
  const name = certificateSecretName(certificate.fingerprint);
  try {
    if (known.secretId !== undefined && known.fingerprint === certificate.fingerprint) {
      if (await holdsCertificate(barbican, known.secretId, certificate)) {
        return { secretId: known.secretId, stored: false };
      }
    }
    const existing = await findStored(barbican, name, certificate);
    if (existing !== undefined) {
      return { secretId: existing, stored: false };
    }

    let pending = storing.get(name);
    if (pending === undefined) {
      pending = barbican.storeCertificate(name, pem).then((secret) => secret.id);
      storing.set(name, pending);
    }
    try {
      return { secretId: await pending, stored: true };
    } finally {
      storing.delete(name);
    }
  } catch (error) {
    throw openStackOutcome(error, `storing the certificate in Barbican as ${name}`);
  }
}

/** Finds a certificate secret with this name whose payload is this certificate, oldest first. */
async function findStored(
  barbican: BarbicanClient,
  name: string,
  certificate: Certificate,
): Promise<string | undefined> {
  const candidates = (await barbican.findSecrets(name, 'certificate'))
    .filter((secret) => secret.status === 'ACTIVE')
    .sort((a, b) => a.created.localeCompare(b.created));
  for (const candidate of candidates) {
    const id = candidate.secret_ref.split('/').pop() ?? '';
    if (await holdsCertificate(barbican, id, certificate)) {
      return id;
    }
  }
  return undefined;
}

/** Checks that secret `id` exists and contains `certificate`. Returns false on 403 or 404. */
async function holdsCertificate(
  barbican: BarbicanClient,
  id: string,
  certificate: Certificate,
): Promise<boolean> {
  try {
    await barbican.getSecret(id);
    const parsed = parseCertificatePem(await cachedPayload(barbican, id));
    return parsed.ok && parsed.certificate.fingerprint === certificate.fingerprint;
  } catch (error) {
    if (hasStatus(error, 403, 404)) {
      return false;
    }
    throw error;
  }
}
