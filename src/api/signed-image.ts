import { Type, type Static } from '@sinclair/typebox';
import { Conditions, ObjectMeta, ResourceName, SecretKeySelector, Uuid } from './common.js';
import { cel, has, StringEnum } from './schema-helpers.js';

/** Hash methods cursive accepts for img_signature_hash_method, spelled exactly so. */
export const HASH_METHODS = ['SHA-224', 'SHA-256', 'SHA-384', 'SHA-512'] as const;
export type HashMethod = (typeof HASH_METHODS)[number];

/** Key types cursive accepts for img_signature_key_type. */
export const KEY_TYPES = [
  'RSA-PSS',
  'DSA',
  'ECC_SECP384R1',
  'ECC_SECP521R1',
  'ECC_SECT571K1',
  'ECC_SECT409K1',
  'ECC_SECT571R1',
  'ECC_SECT409R1',
] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export const VISIBILITIES = ['private', 'shared', 'community', 'public'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const FAILURE_ACTIONS = ['Report', 'Deactivate'] as const;
export type FailureAction = (typeof FAILURE_ACTIONS)[number];

export const ImageReference = Type.Object(
  {
    id: Type.Optional({ ...Uuid, description: 'Glance image id.' }),
    name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: 'Image name; needs owner.' }),
    ),
    owner: Type.Optional({ ...Uuid, description: 'Owner project id, with name.' }),
  },
  {
    additionalProperties: false,
    description: 'The image, by id or by name and owner. A name matching several images is an error.',
    ...cel({
      rule: 'has(self.id) ? !has(self.name) && !has(self.owner) : has(self.name) && has(self.owner)',
      message: 'set id, or name together with owner',
      check: (self) =>
        has(self, 'id')
          ? !has(self, 'name') && !has(self, 'owner')
          : has(self, 'name') && has(self, 'owner'),
    }),
  },
);
export type ImageReference = Static<typeof ImageReference>;

export const Signature = Type.Object(
  {
    value: Type.String({
      minLength: 4,
      maxLength: 8192,
      pattern: '^[A-Za-z0-9+/]+={0,2}$',
      description: 'img_signature: base64 of the raw signature, on one line.',
    }),
    hashMethod: { ...StringEnum(HASH_METHODS), description: 'img_signature_hash_method.' },
    keyType: { ...StringEnum(KEY_TYPES), description: 'img_signature_key_type.' },
  },
  { additionalProperties: false },
);
export type Signature = Static<typeof Signature>;

export const CertificateSource = Type.Object(
  {
    barbicanSecretId: Type.Optional({
      ...Uuid,
      description: 'Barbican secret (secret_type certificate, PEM payload) already stored.',
    }),
    secretRef: Type.Optional({
      ...SecretKeySelector,
      description: 'PEM certificate in a Secret; the operator stores it in Barbican once.',
    }),
  },
  {
    additionalProperties: false,
    description: 'The signing certificate, becoming img_signature_certificate_uuid.',
    ...cel({
      rule: 'has(self.barbicanSecretId) != has(self.secretRef)',
      message: 'set exactly one of barbicanSecretId or secretRef',
      check: (self) => has(self, 'barbicanSecretId') !== has(self, 'secretRef'),
    }),
  },
);
export type CertificateSource = Static<typeof CertificateSource>;

export const SignedImageSpec = Type.Object(
  {
    policyRef: Type.Object(
      { name: ResourceName },
      {
        additionalProperties: false,
        description:
          'ImageSecurityPolicy in the same namespace supplying the OpenStack connection and ' +
          'the trusted CA certificates.',
      },
    ),
    image: ImageReference,
    signature: Signature,
    certificate: CertificateSource,
    visibility: Type.Optional({
      ...StringEnum(VISIBILITIES),
      description: 'Visibility to keep on the image; left alone when unset.',
    }),
    onFailure: {
      ...StringEnum(FAILURE_ACTIONS),
      default: 'Report',
      description:
        'Report sets conditions and Events only; Deactivate also deactivates the image until ' +
        'it verifies again.',
    },
    reverifyInterval: Type.Optional(
      Type.String({
        pattern: '^([0-9]+(s|m|h))+$',
        maxLength: 32,
        description:
          'How often to check the image for changes, such as 30m. Data is downloaded again ' +
          'only when the image or signature changed.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type SignedImageSpec = Static<typeof SignedImageSpec>;

export const SignedImageStatus = Type.Object({
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  conditions: Type.Optional(Conditions),
  imageId: Type.Optional(Type.String()),
  certificateSecretId: Type.Optional(Type.String()),
  certificateFingerprint: Type.Optional(Type.String()),
  verifiedHash: Type.Optional(
    Type.String({ description: 'os_hash_value of the image data last verified.' }),
  ),
  lastVerified: Type.Optional(Type.String({ format: 'date-time' })),
  deactivatedByOperator: Type.Optional(Type.Boolean()),
  progress: Type.Optional(
    Type.Object({
      bytesVerified: Type.Integer({ minimum: 0 }),
      totalBytes: Type.Optional(Type.Integer({ minimum: 0 })),
    }),
  ),
});
export type SignedImageStatus = Static<typeof SignedImageStatus>;

export interface SignedImage {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: SignedImageSpec;
  status?: SignedImageStatus;
}
