import { decodeOid, decodeSmallInteger, readChildren, readElement, TAG } from './der.js';

/** basicConstraints (RFC 5280 4.2.1.9). `pathLength` is undefined when the field is absent. */
export interface BasicConstraints {
  readonly ca: boolean;
  readonly pathLength: number | undefined;
}

/** The certificate fields that chain validation needs and Node's X509Certificate lacks. */
export interface CertificateFields {
  /** Issuer and subject as comparable keys: attributes compared by OID and decoded value. */
  readonly issuerKey: string;
  readonly subjectKey: string;
  readonly basicConstraints: BasicConstraints | undefined;
  /** keyCertSign bit of keyUsage, or undefined when the certificate has no keyUsage extension. */
  readonly keyCertSign: boolean | undefined;
}

const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_KEY_USAGE = '2.5.29.15';
const TAG_VERSION = 0xa0;
const TAG_EXTENSIONS = 0xa3;

/** Reads issuer, subject, basicConstraints and keyUsage from a DER certificate. */
export function readCertificateFields(der: Buffer): CertificateFields {
  const [tbs] = readChildren(readElement(der));
  if (tbs?.tag !== TAG.sequence) {
    throw new Error('X.509: tbsCertificate is missing');
  }
  const fields = readChildren(tbs);
  const body = fields[0]?.tag === TAG_VERSION ? fields.slice(1) : fields;
  // After the optional version: serialNumber, signature, issuer, validity, subject, spki.
  const [, , issuer, , subject] = body;
  if (issuer === undefined || subject === undefined) {
    throw new Error('X.509: issuer or subject is missing');
  }

  const extensions = body.find((field) => field.tag === TAG_EXTENSIONS);
  const byOid = new Map<string, Buffer>();
  if (extensions !== undefined) {
    const [list] = readChildren(extensions);
    for (const extension of list ? readChildren(list) : []) {
      const parts = readChildren(extension);
      const value = parts[parts.length - 1];
      if (parts[0] !== undefined && value !== undefined) {
        byOid.set(decodeOid(parts[0].content), value.content);
      }
    }
  }

  const constraints = byOid.get(OID_BASIC_CONSTRAINTS);
  const keyUsage = byOid.get(OID_KEY_USAGE);
  return {
    issuerKey: nameKey(issuer.encoded),
    subjectKey: nameKey(subject.encoded),
    basicConstraints: constraints && readBasicConstraints(constraints),
    keyCertSign: keyUsage && readKeyCertSign(keyUsage),
  };
}

function readBasicConstraints(value: Buffer): BasicConstraints {
  let ca = false;
  let pathLength: number | undefined;
  for (const field of readChildren(readElement(value))) {
    if (field.tag === TAG.boolean) {
      ca = field.content[0] !== 0;
    } else if (field.tag === TAG.integer) {
      pathLength = decodeSmallInteger(field.content);
    }
  }
  return { ca, pathLength };
}

/** keyCertSign is bit 5 of the keyUsage BIT STRING, counted from the most significant bit. */
function readKeyCertSign(value: Buffer): boolean {
  const bits = readElement(value);
  if (bits.tag !== TAG.bitString) {
    throw new Error('X.509: keyUsage is not a BIT STRING');
  }
  return ((bits.content[1] ?? 0) & 0x04) !== 0;
}

/**
 * Builds a key under which two names compare equal exactly when python-cryptography's `Name`
 * objects do: the same RDN sequence, each RDN the same set of (OID, decoded string) pairs.
 * The string type (UTF8String or PrintableString) does not matter, but case and spacing do.
 */
function nameKey(encoded: Buffer): string {
  const rdns = readChildren(readElement(encoded)).map((rdn) =>
    readChildren(rdn)
      .map((attribute) => {
        const [oid, value] = readChildren(attribute);
        return `${oid ? decodeOid(oid.content) : '?'}=${value ? decodeString(value.tag, value.content) : ''}`;
      })
      .sort(),
  );
  return JSON.stringify(rdns);
}

function decodeString(tag: number, content: Buffer): string {
  switch (tag) {
    case 0x0c: // UTF8String
      return content.toString('utf8');
    case 0x13: // PrintableString
    case 0x14: // TeletexString
    case 0x16: // IA5String
      return content.toString('latin1');
    case 0x1e: // BMPString
      return Buffer.from(content).swap16().toString('utf16le');
    default:
      return `#${tag.toString(16)}:${content.toString('hex')}`;
  }
}

/** Returns the DER encoding of a certificate's subject Name, to copy into issued certificates. */
export function readSubjectDer(der: Buffer): Buffer {
  const [tbs] = readChildren(readElement(der));
  const fields = tbs ? readChildren(tbs) : [];
  const body = fields[0]?.tag === TAG_VERSION ? fields.slice(1) : fields;
  const subject = body[4];
  if (subject === undefined) {
    throw new Error('X.509: subject is missing');
  }
  return subject.encoded;
}
