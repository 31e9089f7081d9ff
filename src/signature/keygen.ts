import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import type { KeyType } from '../api/signed-image.js';
import { buildCertificate } from './certificate-builder.js';
import { KEY_TYPE_CURVE } from './properties.js';
import { readSubjectDer } from './x509-fields.js';

/** RSA modulus sizes offered for RSA-PSS keys. */
export const RSA_BITS = [2048, 3072, 4096] as const;
export type RsaBits = (typeof RSA_BITS)[number];

export interface KeygenRequest {
  readonly keyType: KeyType;
  /** RSA modulus size, ignored for other key types. Defaults to 3072. */
  readonly rsaBits?: RsaBits;
  readonly subject: string;
  /** Certificate lifetime in days from `now`. */
  readonly days: number;
  /** Makes a CA certificate allowing this many intermediates below it. */
  readonly caPathLength?: number;
  /** Issuing CA in PEM. The certificate is self-signed when undefined. */
  readonly issuer?: { readonly privateKeyPem: string; readonly certificatePem: string };
  readonly now?: Date;
}

/** A new private key (PKCS#8 PEM) and its certificate (PEM). */
export interface GeneratedKey {
  readonly privateKeyPem: string;
  readonly certificatePem: string;
}

function generateKey(keyType: KeyType, rsaBits: RsaBits): KeyObject {
  if (keyType === 'RSA-PSS') {
    // A plain RSA key (rsaEncryption): cursive cannot load RSASSA-PSS-restricted keys.
    return generateKeyPairSync('rsa', { modulusLength: rsaBits }).privateKey;
  }
  if (keyType === 'DSA') {
    return generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }).privateKey;
  }
  const namedCurve = KEY_TYPE_CURVE[keyType];
  if (namedCurve === undefined) {
    throw new Error(`key type ${keyType} has no curve`);
  }
  return generateKeyPairSync('ec', { namedCurve }).privateKey;
}

/** Generates a signing key for `keyType` with a self-signed or CA-issued certificate. */
export function generateSigningKey(request: KeygenRequest): GeneratedKey {
  if (!Number.isInteger(request.days) || request.days < 1) {
    throw new RangeError(`days ${request.days} must be a positive whole number`);
  }
  const privateKey = generateKey(request.keyType, request.rsaBits ?? 3072);
  const publicKey = createPublicKey(privateKey);
  const now = request.now ?? new Date();
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + request.days * 86_400_000);

  let signer: { privateKey: KeyObject; issuerName?: Buffer } = { privateKey };
  if (request.issuer !== undefined) {
    const caCertificate = new X509Certificate(request.issuer.certificatePem);
    const caKey = createPrivateKey(request.issuer.privateKeyPem);
    const caSpki = createPublicKey(caKey).export({ type: 'spki', format: 'der' });
    if (!caSpki.equals(caCertificate.publicKey.export({ type: 'spki', format: 'der' }))) {
      throw new Error(
        'CA private key does not belong to the CA certificate; pass the matching pair',
      );
    }
    signer = { privateKey: caKey, issuerName: readSubjectDer(caCertificate.raw) };
  }

  const certificatePem = buildCertificate(
    {
      subject: request.subject,
      publicKey,
      notBefore,
      notAfter,
      ...(request.caPathLength === undefined ? {} : { caPathLength: request.caPathLength }),
    },
    signer,
  );
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { privateKeyPem, certificatePem };
}
