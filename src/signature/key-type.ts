import type { KeyObject } from 'node:crypto';
import type { KeyType } from '../api/signed-image.js';
import { KEY_TYPE_CURVE } from './properties.js';
import type { CheckFailure } from './result.js';

/** The outcome of matching a key type to a certificate's public key. */
export type KeyMatch =
  | { readonly ok: true; readonly warnings: readonly string[] }
  | ({ readonly ok: false } & CheckFailure);

/**
 * Checks that the certificate's public key fits `img_signature_key_type` as cursive 0.2.3 does:
 * RSA-PSS needs an RSA key, DSA a DSA key, and every `ECC_*` type any EC key. cursive does not
 * compare the curve, so a curve other than the named one verifies but earns a warning.
 */
export function matchKeyType(keyType: KeyType, publicKey: KeyObject): KeyMatch {
  const actual = publicKey.asymmetricKeyType ?? 'unknown';
  let expected = 'ec';
  if (keyType === 'RSA-PSS') {
    expected = 'rsa';
  } else if (keyType === 'DSA') {
    expected = 'dsa';
  }
  if (actual !== expected) {
    const hint =
      actual === 'rsa-pss'
        ? '; the certificate uses an RSASSA-PSS-restricted key, which cursive cannot load, so issue it for a plain RSA key (rsaEncryption)'
        : '';
    return {
      ok: false,
      reason: 'KeyTypeMismatch',
      message: `img_signature_key_type ${keyType} needs a${expected === 'ec' ? 'n' : ''} ${expected.toUpperCase()} public key, but the certificate has a${actual === 'ec' ? 'n' : ''} ${actual.toUpperCase()} key${hint}`,
    };
  }

  const curve = KEY_TYPE_CURVE[keyType];
  const actualCurve = publicKey.asymmetricKeyDetails?.namedCurve;
  if (curve !== undefined && actualCurve !== undefined && actualCurve !== curve) {
    return {
      ok: true,
      warnings: [
        `img_signature_key_type ${keyType} names curve ${curve} but the certificate key is on ${actualCurve}; cursive accepts this, but set the matching key type to avoid confusion`,
      ],
    };
  }
  return { ok: true, warnings: [] };
}
