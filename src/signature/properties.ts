import { getCurves } from 'node:crypto';
import { HASH_METHODS, KEY_TYPES, type HashMethod, type KeyType } from '../api/signed-image.js';
import type { CheckFailure } from './result.js';

/** The Glance image property names that carry a signature. */
export const PROPERTY = {
  signature: 'img_signature',
  hashMethod: 'img_signature_hash_method',
  keyType: 'img_signature_key_type',
  certificateUuid: 'img_signature_certificate_uuid',
} as const;

export type Parsed<T> =
  { readonly ok: true; readonly value: T } | ({ readonly ok: false } & CheckFailure);

/** Node's digest name for each hash method. */
export const NODE_HASH: Readonly<Record<HashMethod, string>> = {
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/** Digest length in bytes for each hash method. */
export const HASH_BYTES: Readonly<Record<HashMethod, number>> = {
  'SHA-224': 28,
  'SHA-256': 32,
  'SHA-384': 48,
  'SHA-512': 64,
};

/** The OpenSSL curve name behind each `ECC_*` key type. */
export const KEY_TYPE_CURVE: Readonly<Partial<Record<KeyType, string>>> = {
  ECC_SECP384R1: 'secp384r1',
  ECC_SECP521R1: 'secp521r1',
  ECC_SECT571K1: 'sect571k1',
  ECC_SECT409K1: 'sect409k1',
  ECC_SECT571R1: 'sect571r1',
  ECC_SECT409R1: 'sect409r1',
};

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Returns the spelling in `choices` that `value` differs from only by case and punctuation. */
function suggest(value: string, choices: readonly string[]): string | undefined {
  const fold = (s: string): string => s.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return choices.find((choice) => fold(choice) === fold(value));
}

/**
 * Decodes `img_signature`. Only standard base64 on one line is accepted.
 * NOTE: cursive 0.2.3 decodes with Python's lenient `base64.b64decode`, which drops line breaks
 * and other characters outside the alphabet, so Glance accepts values rejected here.
 */
export function parseSignature(value: string): Parsed<Buffer> {
  const path = PROPERTY.signature;
  if (value.length === 0) {
    return {
      ok: false,
      reason: 'InvalidSignature',
      message: `${path} is empty; set the base64 of the signature`,
    };
  }
  if (/[\r\n]/.test(value)) {
    return {
      ok: false,
      reason: 'InvalidSignature',
      message:
        `${path} is line-wrapped base64; remove the line breaks ` +
        '(for example with `base64 -w 0` or `openssl base64 -A`)',
    };
  }
  if (!BASE64.test(value) || value.length % 4 !== 0) {
    const shown = value.length > 24 ? `${value.slice(0, 24)}...` : value;
    return {
      ok: false,
      reason: 'InvalidSignature',
      message: `${path} "${shown}" is not valid base64; set the standard base64 (A-Z a-z 0-9 + /, padded with =) of the raw signature`,
    };
  }
  return { ok: true, value: Buffer.from(value, 'base64') };
}

/** Checks `img_signature_hash_method`, which cursive matches exactly and case-sensitively. */
export function parseHashMethod(value: string): Parsed<HashMethod> {
  if ((HASH_METHODS as readonly string[]).includes(value)) {
    return { ok: true, value: value as HashMethod };
  }
  const guess = suggest(value, HASH_METHODS);
  const fix = guess ? `did you mean ${guess}?` : `use one of ${HASH_METHODS.join(', ')}`;
  return {
    ok: false,
    reason: 'InvalidHashMethod',
    message: `${PROPERTY.hashMethod} "${value}" is not a hash method cursive accepts; ${fix}`,
  };
}

/**
 * Checks `img_signature_key_type` against cursive 0.2.3's list (`RSA-PSS`, `DSA` and six
 * `ECC_*` curves, registered only where the crypto library has the curve). A curve missing from
 * Node's OpenSSL is reported as unsupported here.
 */
export function parseKeyType(value: string): Parsed<KeyType> {
  if (!(KEY_TYPES as readonly string[]).includes(value)) {
    const guess = suggest(value, KEY_TYPES);
    const fix = guess ? `did you mean ${guess}?` : `use one of ${KEY_TYPES.join(', ')}`;
    return {
      ok: false,
      reason: 'UnsupportedKeyType',
      message: `${PROPERTY.keyType} "${value}" is not a key type cursive accepts; ${fix}`,
    };
  }
  const keyType = value as KeyType;
  const curve = KEY_TYPE_CURVE[keyType];
  if (curve !== undefined && !getCurves().includes(curve)) {
    return {
      ok: false,
      reason: 'UnsupportedKeyType',
      message: `${PROPERTY.keyType} "${value}" needs curve ${curve}, which this Node's OpenSSL lacks; sign with ECC_SECP384R1 or ECC_SECP521R1`,
    };
  }
  return { ok: true, value: keyType };
}

/** Checks `img_signature_certificate_uuid`, the Barbican secret id of the certificate. */
export function parseCertificateUuid(value: string): Parsed<string> {
  if (UUID.test(value)) {
    return { ok: true, value: value.toLowerCase() };
  }
  return {
    ok: false,
    reason: 'CertificateInvalid',
    message: `${PROPERTY.certificateUuid} "${value}" is not a UUID; set the Barbican secret id of the signing certificate`,
  };
}

/** The four signature properties, parsed. */
export interface SignatureProperties {
  readonly signature: Buffer;
  readonly hashMethod: HashMethod;
  readonly keyType: KeyType;
  readonly certificateUuid: string;
}

/**
 * Parses the four `img_signature*` properties of a Glance image. Returns undefined when none is
 * set (an unsigned image) and a failure naming the property when only some are set.
 */
export function parseSignatureProperties(
  properties: Readonly<Record<string, unknown>>,
): Parsed<SignatureProperties> | undefined {
  const names = Object.values(PROPERTY);
  const present = names.filter(
    (name) => properties[name] !== undefined && properties[name] !== null,
  );
  if (present.length === 0) {
    return undefined;
  }
  const missing = names.filter((name) => !present.includes(name));
  if (missing.length > 0) {
    return {
      ok: false,
      reason: 'InvalidSignature',
      message: `signature properties ${missing.join(', ')} are missing; Glance and Nova verify only when all four are set`,
    };
  }

  const text = (name: string): string => String(properties[name]);
  const signature = parseSignature(text(PROPERTY.signature));
  if (!signature.ok) {
    return signature;
  }
  const hashMethod = parseHashMethod(text(PROPERTY.hashMethod));
  if (!hashMethod.ok) {
    return hashMethod;
  }
  const keyType = parseKeyType(text(PROPERTY.keyType));
  if (!keyType.ok) {
    return keyType;
  }
  const certificateUuid = parseCertificateUuid(text(PROPERTY.certificateUuid));
  if (!certificateUuid.ok) {
    return certificateUuid;
  }

  return {
    ok: true,
    value: {
      signature: signature.value,
      hashMethod: hashMethod.value,
      keyType: keyType.value,
      certificateUuid: certificateUuid.value,
    },
  };
}
