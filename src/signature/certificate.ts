import { X509Certificate } from 'node:crypto';
import type { CheckFailure } from './result.js';
import { readCertificateFields, type CertificateFields } from './x509-fields.js';

/** A parsed certificate with the extension fields that chain validation reads. */
export interface Certificate {
  readonly x509: X509Certificate;
  readonly fields: CertificateFields;
  /** SHA-256 fingerprint, colon-separated upper-case hex as `openssl x509 -fingerprint` prints. */
  readonly fingerprint: string;
}

export type ParsedCertificate =
  | { readonly ok: true; readonly certificate: Certificate }
  | ({ readonly ok: false } & CheckFailure);

const PEM_HEADER = '-----BEGIN CERTIFICATE-----';

/**
 * Parses a PEM certificate. DER is rejected because Barbican returns the stored bytes unchanged
 * and Glance's verification only loads PEM, so a DER certificate fails there.
 */
export function parseCertificatePem(
  input: string | Buffer,
  label = 'certificate',
): ParsedCertificate {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const text = bytes.toString('latin1');
  if (!text.includes(PEM_HEADER)) {
    const isDer = bytes[0] === 0x30;
    const message = isDer
      ? `${label} is DER-encoded, but Glance needs PEM; convert it with ` +
        '`openssl x509 -inform der -in cert.der -out cert.pem`'
      : `${label} is not a PEM certificate: no "${PEM_HEADER}" line found`;
    return { ok: false, reason: 'CertificateInvalid', message };
  }

  try {
    const x509 = new X509Certificate(bytes);
    return {
      ok: true,
      certificate: {
        x509,
        fields: readCertificateFields(x509.raw),
        fingerprint: x509.fingerprint256,
      },
    };
  } catch (error) {
    return {
      ok: false,
      reason: 'CertificateInvalid',
      message: `${label} could not be parsed as X.509 PEM: ${(error as Error).message}`,
    };
  }
}

/**
 * Checks the validity window the way cursive does: in UTC, with both ends inclusive at the
 * certificate's one-second resolution.
 */
export function checkValidity(
  certificate: Certificate,
  now: Date,
  label = 'certificate',
): CheckFailure | undefined {
  const { validFromDate, validToDate, subject } = certificate.x509;
  const name = subject.replace(/\n/g, ', ');
  if (now < validFromDate) {
    return {
      reason: 'CertificateNotYetValid',
      message: `${label} "${name}" is not valid before ${validFromDate.toISOString()} (now ${now.toISOString()}); wait, or reissue it with an earlier notBefore`,
    };
  }
  if (now > validToDate) {
    return {
      reason: 'CertificateExpired',
      message: `${label} "${name}" expired at ${validToDate.toISOString()} (now ${now.toISOString()}); sign the image again with a current certificate`,
    };
  }
  return undefined;
}

/**
 * Checks whether `issuer` signed `issued`: the issuer's subject equals the issued certificate's issuer
 * name, and the issued certificate's signature verifies with the issuer's public key.
 */
export function isIssuer(issuer: Certificate, issued: Certificate): boolean {
  if (issuer.fields.subjectKey !== issued.fields.issuerKey) {
    return false;
  }
  // NOTE: cursive checks RSA certificate signatures with PKCS#1 v1.5 only, while OpenSSL here also
  // accepts RSASSA-PSS, so a PSS-signed certificate passes this check but fails in cursive.
  try {
    return issued.x509.verify(issuer.x509.publicKey);
  } catch {
    return false;
  }
}

/** Returns why a trusted certificate cannot sign others (cursive's `can_sign_certificates`), or undefined. */
export function signingDefect(certificate: Certificate): string | undefined {
  const { basicConstraints, keyCertSign } = certificate.fields;
  if (basicConstraints === undefined) {
    return 'it has no basicConstraints extension';
  }
  if (keyCertSign === undefined) {
    return 'it has no keyUsage extension';
  }
  if (!basicConstraints.ca) {
    return 'basicConstraints does not set CA:TRUE';
  }
  if (!keyCertSign) {
    return 'keyUsage lacks keyCertSign';
  }
  return undefined;
}
