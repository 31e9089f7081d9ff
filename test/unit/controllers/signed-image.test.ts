import { describe, expect, it } from '@jest/globals';
import type { SignedImageSpec } from '../../../src/api/signed-image.js';
import { certificateSecretName } from '../../../src/controllers/signed-image/certificate.js';
import {
  changedNames,
  desiredProperties,
  propertyPatch,
} from '../../../src/controllers/signed-image/desired-properties.js';
import {
  decideImageAction,
  type ActionInput,
  type ImageAction,
} from '../../../src/controllers/signed-image/failure-action.js';
import { inactiveOutcome } from '../../../src/controllers/signed-image/image.js';
import { parseInterval } from '../../../src/controllers/signed-image/interval.js';
import { openStackOutcome } from '../../../src/controllers/signed-image/openstack-errors.js';
import {
  outcomeOfVerification,
  OutcomeError,
} from '../../../src/controllers/signed-image/reasons.js';
import { statusPatch } from '../../../src/controllers/signed-image/status.js';
import {
  OpenStackConfigError,
  OpenStackError,
  type GlanceImage,
} from '../../../src/openstack/index.js';
import { cacheKey, type CacheKeyParts } from '../../../src/signature/cache.js';

const CERT_ID = '0b6b5f0e-2a36-4bd4-9c39-2c1f4b1d3a77';

function spec(overrides: Partial<SignedImageSpec> = {}): SignedImageSpec {
  return {
    policyRef: { name: 'glance' },
    image: { id: 'a3b4c5d6-0000-4000-8000-000000000001' },
    signature: { value: 'c2lnbmF0dXJl', hashMethod: 'SHA-256', keyType: 'RSA-PSS' },
    certificate: { barbicanSecretId: CERT_ID },
    onFailure: 'Report',
    ...overrides,
  };
}

function image(fields: Record<string, unknown> = {}): GlanceImage {
  return {
    id: 'a3b4c5d6-0000-4000-8000-000000000001',
    name: 'cirros',
    status: 'active',
    visibility: 'private',
    owner: 'p1',
    os_hidden: false,
    protected: false,
    checksum: null,
    os_hash_algo: 'sha512',
    os_hash_value: 'abc',
    size: 10,
    disk_format: 'raw',
    container_format: 'bare',
    tags: [],
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...fields,
  };
}

describe('propertyPatch', () => {
  it('adds every property to an unsigned image', () => {
    const operations = propertyPatch(image(), desiredProperties(spec(), CERT_ID));

    expect(operations).toEqual([
      { op: 'add', path: '/img_signature', value: 'c2lnbmF0dXJl' },
      { op: 'add', path: '/img_signature_certificate_uuid', value: CERT_ID },
      { op: 'add', path: '/img_signature_hash_method', value: 'SHA-256' },
      { op: 'add', path: '/img_signature_key_type', value: 'RSA-PSS' },
    ]);
  });

  it('is empty when the image matches', () => {
    const desired = desiredProperties(spec(), CERT_ID);

    expect(propertyPatch(image(desired), desired)).toEqual([]);
  });

  it('replaces only a tampered property', () => {
    const desired = desiredProperties(spec(), CERT_ID);
    const tampered = image({ ...desired, img_signature: 'b3RoZXI=' });

    expect(propertyPatch(tampered, desired)).toEqual([
      { op: 'replace', path: '/img_signature', value: 'c2lnbmF0dXJl' },
    ]);
  });

  it('keeps visibility only when declared', () => {
    const undeclared = desiredProperties(spec(), CERT_ID);
    const declared = desiredProperties(spec({ visibility: 'public' }), CERT_ID);

    expect(propertyPatch(image(undeclared), undeclared)).toEqual([]);
    expect(propertyPatch(image(undeclared), declared)).toEqual([
      { op: 'replace', path: '/visibility', value: 'public' },
    ]);
  });

  it('adds a property stored as null', () => {
    const desired = desiredProperties(spec(), CERT_ID);
    const operations = propertyPatch(image({ ...desired, img_signature: null }), desired);

    expect(operations).toEqual([{ op: 'add', path: '/img_signature', value: 'c2lnbmF0dXJl' }]);
    expect(changedNames(operations)).toEqual(['img_signature']);
  });
});

describe('cacheKey', () => {
  const base: CacheKeyParts = {
    imageId: 'i1',
    osHashValue: 'h1',
    signature: 's1',
    hashMethod: 'SHA-256',
    keyType: 'RSA-PSS',
    certificateFingerprint: 'AA:BB',
    trustedFingerprints: ['t1', 't2'],
  };

  it.each<[string, Partial<CacheKeyParts>]>([
    ['image id', { imageId: 'i2' }],
    ['data hash', { osHashValue: 'h2' }],
    ['signature', { signature: 's2' }],
    ['hash method', { hashMethod: 'SHA-512' }],
    ['key type', { keyType: 'ECC_SECP384R1' }],
    ['certificate', { certificateFingerprint: 'CC:DD' }],
    ['trusted set', { trustedFingerprints: ['t1'] }],
    ['no chain check', { trustedFingerprints: undefined }],
  ])('changes with the %s', (_name, change) => {
    expect(cacheKey({ ...base, ...change })).not.toBe(cacheKey(base));
  });

  it('ignores trusted certificate order', () => {
    expect(cacheKey({ ...base, trustedFingerprints: ['t2', 't1'] })).toBe(cacheKey(base));
  });

  it('is undefined without os_hash_value', () => {
    expect(cacheKey({ ...base, osHashValue: null })).toBeUndefined();
  });
});

describe('decideImageAction', () => {
  const cases: [string, ActionInput, ImageAction][] = [
    [
      'deactivates on a verdict',
      {
        outcome: 'verdict',
        onFailure: 'Deactivate',
        imageStatus: 'active',
        deactivatedByOperator: false,
      },
      'Deactivate',
    ],
    [
      'only reports with Report',
      {
        outcome: 'verdict',
        onFailure: 'Report',
        imageStatus: 'active',
        deactivatedByOperator: false,
      },
      'None',
    ],
    [
      'leaves a deactivated image',
      {
        outcome: 'verdict',
        onFailure: 'Deactivate',
        imageStatus: 'deactivated',
        deactivatedByOperator: true,
      },
      'None',
    ],
    [
      'never acts on unknown',
      {
        outcome: 'unknown',
        onFailure: 'Deactivate',
        imageStatus: 'active',
        deactivatedByOperator: false,
      },
      'None',
    ],
    [
      'never acts when unverifiable',
      {
        outcome: 'unverifiable',
        onFailure: 'Deactivate',
        imageStatus: 'active',
        deactivatedByOperator: false,
      },
      'None',
    ],
    [
      'reactivates its own deactivation',
      {
        outcome: 'verified',
        onFailure: 'Deactivate',
        imageStatus: 'deactivated',
        deactivatedByOperator: true,
      },
      'Reactivate',
    ],
    [
      "keeps another's deactivation",
      {
        outcome: 'verified',
        onFailure: 'Deactivate',
        imageStatus: 'deactivated',
        deactivatedByOperator: false,
      },
      'None',
    ],
    [
      'clears the flag after a manual reactivation',
      {
        outcome: 'verified',
        onFailure: 'Deactivate',
        imageStatus: 'active',
        deactivatedByOperator: true,
      },
      'ClearFlag',
    ],
    [
      'reactivates after switching to Report',
      {
        outcome: 'verified',
        onFailure: 'Report',
        imageStatus: 'deactivated',
        deactivatedByOperator: true,
      },
      'Reactivate',
    ],
    [
      'deactivates again after a manual reactivation',
      {
        outcome: 'verdict',
        onFailure: 'Deactivate',
        imageStatus: 'active',
        deactivatedByOperator: true,
      },
      'Deactivate',
    ],
  ];

  it.each(cases)('%s', (_name, input, expected) => {
    expect(decideImageAction(input)).toBe(expected);
  });
});

describe('outcomeOfVerification', () => {
  it('maps Verified to verified', () => {
    expect(outcomeOfVerification('Verified', 'ok')).toEqual({
      kind: 'verified',
      reason: 'Verified',
      message: 'ok',
    });
  });

  it.each([
    'SignatureMismatch',
    'InvalidSignature',
    'UnsupportedKeyType',
    'InvalidHashMethod',
    'CertificateExpired',
    'CertificateNotYetValid',
    'UntrustedCertificate',
    'CertificateInvalid',
    'KeyTypeMismatch',
  ] as const)('keeps %s as a verdict', (reason) => {
    const outcome = outcomeOfVerification(reason, 'bad');

    expect(outcome.kind).toBe('verdict');
    expect(outcome.reason).toBe(reason);
  });
});

describe('openStackOutcome', () => {
  const call = { service: 'glance', method: 'GET', path: '/v2/images/x' };

  it.each<[string, OpenStackError, string, boolean]>([
    ['no response', new OpenStackError(call), 'OpenStackUnavailable', true],
    ['HTTP 503', new OpenStackError({ ...call, status: 503 }), 'OpenStackUnavailable', true],
    ['HTTP 500', new OpenStackError({ ...call, status: 500 }), 'OpenStackUnavailable', true],
    ['HTTP 429', new OpenStackError({ ...call, status: 429 }), 'OpenStackUnavailable', true],
    ['HTTP 401', new OpenStackError({ ...call, status: 401 }), 'OpenStackUnauthorized', false],
    ['HTTP 400', new OpenStackError({ ...call, status: 400 }), 'OpenStackRequestFailed', true],
  ])('maps %s', (_name, error, reason, retry) => {
    const mapped = openStackOutcome(error, 'reading');

    expect(mapped.outcome.kind).toBe('unknown');
    expect(mapped.outcome.reason).toBe(reason);
    expect(mapped.retry).toBe(retry);
  });

  it('keeps only the first line of a config error', () => {
    const error = new OpenStackConfigError(
      'clouds.yaml is not valid YAML: bad\n 3 | password: s3cret',
    );

    const mapped = openStackOutcome(error, 'reading cloud "x"');

    expect(mapped.outcome.reason).toBe('InvalidCloudsYaml');
    expect(mapped.outcome.message).not.toContain('s3cret');
  });

  it('passes an OutcomeError through', () => {
    const original = new OutcomeError({ kind: 'verdict', reason: 'X', message: 'm' });

    expect(openStackOutcome(original, 'step')).toBe(original);
  });
});

describe('inactiveOutcome', () => {
  it.each(['queued', 'saving', 'importing', 'uploading', 'killed'])('stops on %s', (status) => {
    const outcome = inactiveOutcome(image({ status }), false);

    expect(outcome?.outcome.reason).toBe('ImageNotActive');
    expect(outcome?.outcome.kind).toBe('unknown');
  });

  it('passes an active image', () => {
    expect(inactiveOutcome(image(), false)).toBeUndefined();
  });

  it('passes its own deactivation', () => {
    expect(inactiveOutcome(image({ status: 'deactivated' }), true)).toBeUndefined();
  });

  it("stops on another's deactivation", () => {
    expect(inactiveOutcome(image({ status: 'deactivated' }), false)?.outcome.reason).toBe(
      'ImageNotActive',
    );
  });
});

describe('parseInterval', () => {
  it.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
  ])('parses %s', (value, expected) => {
    expect(parseInterval(value, 'spec.reverifyInterval')).toBe(expected);
  });

  it('is undefined when unset', () => {
    expect(parseInterval(undefined, 'spec.reverifyInterval')).toBeUndefined();
  });

  it('names the field of a bad value', () => {
    expect(() => parseInterval('5 minutes', 'spec.reverifyInterval')).toThrow(
      'spec.reverifyInterval "5 minutes"',
    );
  });
});

describe('certificateSecretName', () => {
  it('uses the fingerprint prefix', () => {
    const fingerprint = Array.from({ length: 32 }, (_, i) =>
      i.toString(16).padStart(2, '0').toUpperCase(),
    ).join(':');

    expect(certificateSecretName(fingerprint)).toBe(
      'image-security-operator-000102030405060708090a0b0c0d0e0f',
    );
  });
});

describe('statusPatch', () => {
  it('is undefined when equal', () => {
    expect(statusPatch({ imageId: 'a' }, { imageId: 'a' })).toBeUndefined();
  });

  it('removes a dropped field with null', () => {
    expect(statusPatch({ imageId: 'a', verifiedHash: 'h' }, { imageId: 'a' })).toEqual({
      imageId: 'a',
      verifiedHash: null,
    });
  });
});
