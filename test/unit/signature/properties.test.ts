import { describe, expect, it } from '@jest/globals';
import {
  parseCertificateUuid,
  parseHashMethod,
  parseKeyType,
  parseSignature,
  parseSignatureProperties,
  type Parsed,
} from '../../../src/signature/properties.js';
import type { CheckFailure } from '../../../src/signature/result.js';

/** Returns the failure, or throws when parsing succeeded. */
function failureOf<T>(parsed: Parsed<T> | undefined): CheckFailure {
  if (parsed === undefined || parsed.ok) {
    throw new Error(`expected a failure, got ${JSON.stringify(parsed)}`);
  }
  return parsed;
}

/** Returns the parsed value, or throws when parsing failed. */
function valueOf<T>(parsed: Parsed<T> | undefined): T {
  if (parsed === undefined || !parsed.ok) {
    throw new Error(`expected a value, got ${JSON.stringify(parsed)}`);
  }
  return parsed.value;
}

describe('parseHashMethod', () => {
  it('accepts the four exact spellings', () => {
    for (const method of ['SHA-224', 'SHA-256', 'SHA-384', 'SHA-512']) {
      expect(parseHashMethod(method)).toEqual({ ok: true, value: method });
    }
  });

  it.each([
    ['SHA256', 'SHA-256'],
    ['sha256', 'SHA-256'],
    ['sha-512', 'SHA-512'],
  ])('suggests the spelling for %s', (value, suggestion) => {
    const parsed = parseHashMethod(value);
    expect(parsed.ok).toBe(false);
    expect(failureOf(parsed).reason).toBe('InvalidHashMethod');
    expect(failureOf(parsed).message).toContain(`did you mean ${suggestion}?`);
    expect(failureOf(parsed).message).toContain(`"${value}"`);
  });

  it('lists the choices for an unknown method', () => {
    const parsed = parseHashMethod('MD5');
    expect(failureOf(parsed).message).toContain('use one of SHA-224, SHA-256, SHA-384, SHA-512');
  });
});

describe('parseKeyType', () => {
  it('accepts every type cursive registers', () => {
    for (const type of [
      'RSA-PSS',
      'DSA',
      'ECC_SECP384R1',
      'ECC_SECP521R1',
      'ECC_SECT571K1',
      'ECC_SECT409K1',
      'ECC_SECT571R1',
      'ECC_SECT409R1',
    ]) {
      expect(parseKeyType(type).ok).toBe(true);
    }
  });

  it('suggests the spelling for rsa-pss', () => {
    const parsed = parseKeyType('rsa_pss');
    expect(failureOf(parsed).reason).toBe('UnsupportedKeyType');
    expect(failureOf(parsed).message).toContain('did you mean RSA-PSS?');
  });

  it('rejects ECC_SECP256R1, which cursive lacks', () => {
    const parsed = parseKeyType('ECC_SECP256R1');
    expect(failureOf(parsed).reason).toBe('UnsupportedKeyType');
    expect(failureOf(parsed).message).toContain('use one of RSA-PSS, DSA');
  });
});

describe('parseSignature', () => {
  it('decodes one-line base64', () => {
    const parsed = parseSignature(Buffer.from('signature bytes').toString('base64'));
    expect(valueOf(parsed).toString()).toBe('signature bytes');
  });

  it('rejects line-wrapped base64 with the fix', () => {
    const parsed = parseSignature('QUJD\nREVG');
    expect(failureOf(parsed).reason).toBe('InvalidSignature');
    expect(failureOf(parsed).message).toContain('line-wrapped');
    expect(failureOf(parsed).message).toContain('base64 -w 0');
  });

  it.each(['QUJD!', 'QUJDR', 'QU JD', 'QUJD===='])('rejects %j', (value) => {
    const parsed = parseSignature(value);
    expect(failureOf(parsed).message).toContain('is not valid base64');
  });

  it('rejects an empty value', () => {
    const parsed = parseSignature('');
    expect(failureOf(parsed).message).toContain('is empty');
  });
});

describe('parseCertificateUuid', () => {
  it('accepts and lower-cases a UUID', () => {
    expect(parseCertificateUuid('0F3A27B4-1C2D-4E5F-8A9B-0C1D2E3F4A5B')).toEqual({
      ok: true,
      value: '0f3a27b4-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
    });
  });

  it('rejects a name', () => {
    const parsed = parseCertificateUuid('my-cert');
    expect(failureOf(parsed).message).toContain('is not a UUID');
  });
});

describe('parseSignatureProperties', () => {
  const complete = {
    img_signature: 'QUJD',
    img_signature_hash_method: 'SHA-256',
    img_signature_key_type: 'RSA-PSS',
    img_signature_certificate_uuid: '0f3a27b4-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
  };

  it('returns undefined for an unsigned image', () => {
    expect(parseSignatureProperties({ os_hash_algo: 'sha512' })).toBeUndefined();
  });

  it('names the missing properties', () => {
    const parsed = parseSignatureProperties({
      img_signature: 'QUJD',
      img_signature_key_type: 'DSA',
    });
    expect(parsed?.ok).toBe(false);
    expect(failureOf(parsed).message).toContain(
      'img_signature_hash_method, img_signature_certificate_uuid are missing',
    );
  });

  it('parses all four', () => {
    const parsed = parseSignatureProperties(complete);
    expect(valueOf(parsed).keyType).toBe('RSA-PSS');
    expect(valueOf(parsed).signature.toString()).toBe('ABC');
  });

  it('returns the first invalid property', () => {
    const parsed = parseSignatureProperties({ ...complete, img_signature_hash_method: 'SHA256' });
    expect(failureOf(parsed).reason).toBe('InvalidHashMethod');
  });
});
