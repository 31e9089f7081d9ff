import { createSign, randomBytes, type KeyObject } from 'node:crypto';
import { encodeElement, encodeOid, encodeUnsignedInteger, TAG } from './der.js';

/**
 * Builds X.509 v3 certificates signed with Node's crypto. Node cannot create certificates and
 * node-forge signs only with RSA, while cursive also accepts EC and DSA signing certificates.
 */

/** Contents of the new certificate. */
export interface CertificateRequest {
  /** Subject such as `CN=image signing,O=Example`, built from CN, O, OU, L, ST and C. */
  readonly subject: string;
  readonly publicKey: KeyObject;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Makes a CA certificate (CA:TRUE, keyCertSign) allowing this many intermediates below it. */
  readonly caPathLength?: number;
}

/** Signing key and issuer Name. A self-signed certificate passes the new key and no issuer Name. */
export interface CertificateSigner {
  readonly privateKey: KeyObject;
  /** DER-encoded issuer Name, or undefined for a self-signed certificate. */
  readonly issuerName?: Buffer;
}

const ATTRIBUTE_OIDS: Readonly<Record<string, string>> = {
  CN: '2.5.4.3',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  O: '2.5.4.10',
  OU: '2.5.4.11',
};

/** Encodes `CN=a,O=b` as a Name, one attribute per RDN, in the order given. */
export function encodeName(subject: string): Buffer {
  const rdns = subject
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      const separator = part.indexOf('=');
      const type = part.slice(0, separator).trim().toUpperCase();
      const value = part.slice(separator + 1).trim();
      const oid = ATTRIBUTE_OIDS[type];
      if (separator < 1 || oid === undefined || value.length === 0) {
        throw new Error(
          `subject part "${part}" is invalid; write TYPE=value pairs separated by commas, with TYPE one of ${Object.keys(ATTRIBUTE_OIDS).join(', ')}`,
        );
      }
      // RFC 5280 makes country codes PrintableString. Everything else is UTF8String.
      const stringTag = type === 'C' ? 0x13 : 0x0c;
      const attribute = encodeElement(
        TAG.sequence,
        encodeOid(oid),
        encodeElement(stringTag, Buffer.from(value, 'utf8')),
      );
      return encodeElement(TAG.set, attribute);
    });
  if (rdns.length === 0) {
    throw new Error('subject is empty; set at least CN=name');
  }
  return encodeElement(TAG.sequence, ...rdns);
}

/** UTCTime up to 2049 and GeneralizedTime from 2050, as RFC 5280 4.1.2.5 requires. */
function encodeTime(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const year = date.getUTCFullYear();
  return year < 2050
    ? encodeElement(0x17, Buffer.from(`${iso.slice(2)}Z`, 'ascii'))
    : encodeElement(0x18, Buffer.from(`${iso}Z`, 'ascii'));
}

/** Picks the signature algorithm and digest for a signer key. */
function signatureAlgorithm(key: KeyObject): { identifier: Buffer; digest: string } {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') {
    // sha256WithRSAEncryption: cursive checks certificate signatures with PKCS#1 v1.5.
    const identifier = encodeElement(
      TAG.sequence,
      encodeOid('1.2.840.113549.1.1.11'),
      Buffer.from([0x05, 0x00]),
    );
    return { identifier, digest: 'sha256' };
  }
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
    const [oid, digest] =
      curve.includes('521') || curve.includes('571')
        ? ['1.2.840.10045.4.3.4', 'sha512']
        : ['1.2.840.10045.4.3.3', 'sha384'];
    return { identifier: encodeElement(TAG.sequence, encodeOid(oid)), digest };
  }
  if (type === 'dsa') {
    return {
      identifier: encodeElement(TAG.sequence, encodeOid('2.16.840.1.101.3.4.3.2')),
      digest: 'sha256',
    };
  }
  throw new Error(
    `cannot sign certificates with a ${type ?? 'unknown'} key; use an RSA, EC or DSA key`,
  );
}

function encodeExtensions(caPathLength: number | undefined): Buffer {
  const critical = encodeElement(TAG.boolean, Buffer.from([0xff]));
  const extension = (oid: string, value: Buffer): Buffer =>
    encodeElement(TAG.sequence, encodeOid(oid), critical, encodeElement(TAG.octetString, value));

  const isCa = caPathLength !== undefined;
  const basicConstraints = isCa
    ? encodeElement(
        TAG.sequence,
        encodeElement(TAG.boolean, Buffer.from([0xff])),
        encodeUnsignedInteger(Buffer.from([caPathLength])),
      )
    : encodeElement(TAG.sequence);
  // keyUsage bits: digitalSignature is bit 0 (0x80), keyCertSign and cRLSign are bits 5 and 6.
  const keyUsage = isCa
    ? encodeElement(TAG.bitString, Buffer.from([0x01, 0x06]))
    : encodeElement(TAG.bitString, Buffer.from([0x07, 0x80]));

  const list = encodeElement(
    TAG.sequence,
    extension('2.5.29.19', basicConstraints),
    extension('2.5.29.15', keyUsage),
  );
  return encodeElement(0xa3, list);
}

/** Builds and signs a certificate and returns it as PEM. */
export function buildCertificate(request: CertificateRequest, signer: CertificateSigner): string {
  if (
    request.caPathLength !== undefined &&
    !(request.caPathLength >= 0 && request.caPathLength < 128)
  ) {
    throw new RangeError(`caPathLength ${request.caPathLength} must be an integer from 0 to 127`);
  }
  const subject = encodeName(request.subject);
  const algorithm = signatureAlgorithm(signer.privateKey);
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;

  const tbs = encodeElement(
    TAG.sequence,
    encodeElement(0xa0, encodeUnsignedInteger(Buffer.from([2]))),
    encodeUnsignedInteger(serial),
    algorithm.identifier,
    signer.issuerName ?? subject,
    encodeElement(TAG.sequence, encodeTime(request.notBefore), encodeTime(request.notAfter)),
    subject,
    request.publicKey.export({ type: 'spki', format: 'der' }),
    encodeExtensions(request.caPathLength),
  );

  const signature = createSign(algorithm.digest)
    .update(tbs)
    .sign({ key: signer.privateKey, dsaEncoding: 'der' });
  const certificate = encodeElement(
    TAG.sequence,
    tbs,
    algorithm.identifier,
    encodeElement(TAG.bitString, Buffer.from([0]), signature),
  );
  const lines = certificate.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
