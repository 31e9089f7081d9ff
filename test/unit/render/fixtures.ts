import type {
  ImageSecurityPolicySpec,
  ProtectionRule,
  PropertyProtection,
} from '../../../src/api/image-security-policy.js';

type Lists = Pick<ProtectionRule, 'create' | 'read' | 'update' | 'delete'>;

/** Admin may write, everyone may read. */
export const ADMIN_WRITES: Lists = {
  create: ['admin'],
  read: ['@'],
  update: ['admin'],
  delete: ['admin'],
};

/** Everyone may do everything. */
export const OPEN: Lists = { create: ['@'], read: ['@'], update: ['@'], delete: ['@'] };

export function exact(property: string, lists: Lists = ADMIN_WRITES): ProtectionRule {
  return { property, ...lists };
}

export function pattern(regex: string, lists: Lists = ADMIN_WRITES): ProtectionRule {
  return { pattern: regex, ...lists };
}

/** Builds a valid spec with one rule and a catch-all. `changes` replaces top-level fields. */
export function policySpec(
  changes: Partial<ImageSecurityPolicySpec> = {},
  protection: Partial<PropertyProtection> = {},
): ImageSecurityPolicySpec {
  return {
    propertyProtection: {
      format: 'roles',
      rules: [exact('img_signature')],
      catchAll: OPEN,
      ...protection,
    },
    targets: { imageService: { configMapName: 'glance-security' } },
    ...changes,
  };
}

/**
 * Builds the vendor guide's intent, written the way Glance v2 reads it: signature
 * and platform properties writable by admin only, hardware firmware type
 * settable by anyone but changed by admin, public and community visibility
 * and (de)activation limited to admin.
 */
export function vendorGuideSpec(): ImageSecurityPolicySpec {
  return {
    propertyProtection: {
      format: 'roles',
      rules: [
        pattern('^img_signature'),
        exact('xloud_base_image'),
        exact('hw_firmware_type', {
          create: ['@'],
          read: ['@'],
          update: ['admin'],
          delete: ['admin'],
        }),
      ],
      catchAll: { create: ['@'], read: ['@'], update: ['@'], delete: ['@'] },
    },
    policy: {
      rules: {
        publicize_image: 'role:admin',
        communitize_image: 'role:admin',
        deactivate: 'role:admin',
        reactivate: 'role:admin',
      },
    },
    computeSignatureVerification: {
      verifyGlanceSignatures: true,
      enableCertificateValidation: true,
      defaultTrustedCertificateIds: ['0b8e1c4a-52a4-4d1e-9d2f-3b7c1a2e9f10'],
    },
    targets: {
      imageService: { configMapName: 'glance-security' },
      computeService: { configMapName: 'nova-glance-signature' },
    },
  };
}
