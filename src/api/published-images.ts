import { Type, type Static } from '@sinclair/typebox';
import { SecretKeySelector, Uuid } from './common.js';
import { cel, has, StringEnum } from './schema-helpers.js';

export const PUBLISHED_IMAGE_ACTIONS = ['Report', 'MakePrivate', 'Deactivate'] as const;
export type PublishedImageAction = (typeof PUBLISHED_IMAGE_ACTIONS)[number];

/** Defaults of spec.publishedImages, applied by the audit when a field is unset. */
export const PUBLISHED_IMAGES_DEFAULTS = {
  action: 'Report',
  dryRun: false,
  auditInterval: '10m',
  maxActionsPerPass: 10,
} as const;

const AllowListLimits = { entries: 64, values: 64 } as const;

export const PublishedImageEntry = Type.Object(
  {
    owners: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        minItems: 1,
        maxItems: AllowListLimits.values,
        description: 'Project ids that own the image.',
      }),
    ),
    namePatterns: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 255 }), {
        minItems: 1,
        maxItems: AllowListLimits.values,
        description:
          'Globs matched against the whole image name: * matches any run of characters, ' +
          '? one character, and every other character itself.',
      }),
    ),
    tags: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 255 }), {
        minItems: 1,
        maxItems: AllowListLimits.values,
        description:
          'Image tags, of which the image must carry at least one. The image owner sets tags, ' +
          'so combine tags with owners.',
      }),
    ),
    imageIds: Type.Optional(
      Type.Array(Uuid, {
        minItems: 1,
        maxItems: AllowListLimits.values,
        description: 'Image ids.',
      }),
    ),
    requireVerifiedSignature: Type.Optional(
      Type.Boolean({
        description:
          'Allow the image only when a SignedImage verified its current data (os_hash_value).',
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'One allow-list entry. An image matches when it meets every criterion the entry sets. ' +
      'Within one criterion, one listed value is enough.',
    ...cel({
      rule: 'has(self.owners) || has(self.namePatterns) || has(self.tags) || has(self.imageIds)',
      message: 'set at least one of owners, namePatterns, tags or imageIds',
      check: (self) =>
        ['owners', 'namePatterns', 'tags', 'imageIds'].some((field) => has(self, field)),
    }),
  },
);
export type PublishedImageEntry = Static<typeof PublishedImageEntry>;

const AllowList = Type.Array(PublishedImageEntry, { maxItems: AllowListLimits.entries });

export const EnforcementProbe = Type.Object(
  {
    credentialsSecretRef: {
      ...SecretKeySelector,
      description:
        'Secret key holding a clouds.yaml document. Its cloud must be a non-admin user, whose ' +
        'requests show what project members can do.',
    },
    cloud: Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'Entry of clouds.yaml to use for the probes.',
    }),
  },
  {
    additionalProperties: false,
    description:
      'Live checks, run with each audit, that Glance denies a non-admin user what this policy ' +
      'denies: protected properties, public and community visibility. Each run creates one ' +
      'private image named image-security-probe-<random> without data and deletes it.',
  },
);
export type EnforcementProbe = Static<typeof EnforcementProbe>;

export const PublishedImages = Type.Object(
  {
    public: Type.Optional({
      ...AllowList,
      description:
        'Images allowed to be public. Unset or empty allows none, so every public image is a violation.',
    }),
    community: Type.Optional({
      ...AllowList,
      description:
        'Images allowed to have community visibility, which any project member can set by ' +
        'default. Unset or empty allows none.',
    }),
    action: Type.Optional({
      ...StringEnum(PUBLISHED_IMAGE_ACTIONS),
      default: PUBLISHED_IMAGES_DEFAULTS.action,
      description:
        'What to do with a violating image: Report only, MakePrivate (set visibility private) ' +
        'or Deactivate (block downloads and boots).',
    }),
    dryRun: Type.Optional(
      Type.Boolean({
        default: PUBLISHED_IMAGES_DEFAULTS.dryRun,
        description: 'Plan and report the actions without changing any image.',
      }),
    ),
    auditInterval: Type.Optional(
      Type.String({
        pattern: '^([0-9]+(s|m|h))+$',
        maxLength: 32,
        default: PUBLISHED_IMAGES_DEFAULTS.auditInterval,
        description: 'Time between two audits of the catalog, such as 10m or 1h.',
      }),
    ),
    maxActionsPerPass: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1000,
        default: PUBLISHED_IMAGES_DEFAULTS.maxActionsPerPass,
        description:
          'Blast-radius limit: when one audit would change more images than this, it changes ' +
          'none and reports the violations instead.',
      }),
    ),
    probe: Type.Optional(EnforcementProbe),
  },
  {
    additionalProperties: false,
    description:
      'Audit of the images published to every project (public and community visibility, ' +
      'os_hidden included) against allow-lists.',
  },
);
export type PublishedImages = Static<typeof PublishedImages>;
