import { Type, type Static } from '@sinclair/typebox';
import {
  Conditions,
  LabelName,
  ObjectMeta,
  ResourceName,
  SecretKeySelector,
  Uuid,
} from './common.js';
import { PublishedImages } from './published-images.js';
import { cel, has, OpaqueObject, StringEnum, StringMap } from './schema-helpers.js';

export const RULE_FORMATS = ['roles', 'policies'] as const;
export type RuleFormat = (typeof RULE_FORMATS)[number];

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export const LIVE_RELOAD_MODES = ['Reload', 'Restart'] as const;

/** Upper bounds that keep a policy well inside one ConfigMap and one etcd object. */
export const LIMITS = {
  protectionRules: 256,
  rolesPerOperation: 32,
  roleLength: 255,
  policyRules: 256,
  policyRuleLength: 4096,
  trustedCertificates: 32,
  workloads: 16,
} as const;

const RoleList = Type.Array(Type.String({ minLength: 1, maxLength: LIMITS.roleLength }), {
  minItems: 1,
  maxItems: LIMITS.rolesPerOperation,
  description:
    'In the roles format: role names, "@" for every role or "!" for no role. ' +
    'In the policies format: exactly one policy rule name defined in policy.yaml.',
});

const Operations = {
  create: { ...RoleList, description: `Who may add the property. ${RoleList.description}` },
  read: {
    ...RoleList,
    description: `Who may see the property. Denying read also denies update and delete. ${RoleList.description}`,
  },
  update: { ...RoleList, description: `Who may change the property. ${RoleList.description}` },
  delete: { ...RoleList, description: `Who may remove the property. ${RoleList.description}` },
};

export const ProtectionRule = Type.Object(
  {
    property: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description:
          'Exact Glance v2 property name, such as img_signature. Rendered as an anchored, ' +
          'escaped regular expression. Set either property or pattern.',
      }),
    ),
    pattern: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description:
          'Python regular expression searched (not anchored) in each property name, such as ' +
          '^img_signature. Set either property or pattern.',
      }),
    ),
    ...Operations,
  },
  {
    additionalProperties: false,
    description: 'One property-protections.conf section. The first rule that matches wins.',
    ...cel({
      rule: 'has(self.property) != has(self.pattern)',
      message: 'set exactly one of property or pattern',
      check: (self) => has(self, 'property') !== has(self, 'pattern'),
    }),
  },
);
export type ProtectionRule = Static<typeof ProtectionRule>;

export const CatchAll = Type.Object(Operations, {
  additionalProperties: false,
  description:
    'Section rendered last as [.*], for every property that no rule matches. Without it, ' +
    'Glance denies every operation on such properties to everyone, admin included.',
});
export type CatchAll = Static<typeof CatchAll>;

export const PropertyProtection = Type.Object(
  {
    format: {
      ...StringEnum(RULE_FORMATS),
      default: 'roles',
      description:
        "Glance's property_protection_rule_format: roles lists roles per operation, " +
        'policies names one policy.yaml rule per operation.',
    },
    rules: Type.Array(ProtectionRule, {
      maxItems: LIMITS.protectionRules,
      description: 'Ordered sections. Glance tries them in order; the first match wins.',
    }),
    catchAll: Type.Optional(CatchAll),
  },
  { additionalProperties: false, description: 'Content of property-protections.conf.' },
);
export type PropertyProtection = Static<typeof PropertyProtection>;

export const PolicyOverrides = Type.Object(
  {
    rules: StringMap(Type.String({ maxLength: LIMITS.policyRuleLength }), {
      maxProperties: LIMITS.policyRules,
      description:
        'Glance policy rule name to oslo.policy rule string, such as publicize_image: ' +
        '"role:admin". Use "!" to deny everyone; an empty string allows everyone.',
    }),
  },
  { additionalProperties: false, description: 'Content of policy.yaml.' },
);
export type PolicyOverrides = Static<typeof PolicyOverrides>;

export const ComputeSignatureVerification = Type.Object(
  {
    verifyGlanceSignatures: Type.Boolean({
      description: 'nova.conf [glance] verify_glance_signatures: verify images before boot.',
    }),
    enableCertificateValidation: Type.Optional(
      Type.Boolean({
        description:
          'nova.conf [glance] enable_certificate_validation: validate the signing certificate ' +
          'against trusted certificates.',
      }),
    ),
    defaultTrustedCertificateIds: Type.Optional(
      Type.Array(Uuid, {
        maxItems: LIMITS.trustedCertificates,
        description:
          'nova.conf [glance] default_trusted_certificate_ids: Barbican secret ids of the ' +
          'certificates trusted when a server request names none.',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'Signature enforcement by the compute service (a nova.conf fragment).',
    ...cel({
      rule:
        '!has(self.defaultTrustedCertificateIds) || size(self.defaultTrustedCertificateIds) == 0 ' +
        '|| (has(self.enableCertificateValidation) && self.enableCertificateValidation)',
      message: 'defaultTrustedCertificateIds needs enableCertificateValidation: true',
      fieldPath: '.defaultTrustedCertificateIds',
      check: (self) =>
        !Array.isArray(self.defaultTrustedCertificateIds) ||
        self.defaultTrustedCertificateIds.length === 0 ||
        self.enableCertificateValidation === true,
    }),
  },
);
export type ComputeSignatureVerification = Static<typeof ComputeSignatureVerification>;

export const WorkloadTarget = Type.Object(
  {
    kind: {
      ...StringEnum(WORKLOAD_KINDS),
      description:
        'Deployment, StatefulSet or DaemonSet: its pod template annotation is patched so it ' +
        'rolls. Job: a Job is created from jobTemplate, named after the content hash.',
    },
    name: {
      ...LabelName,
      description: 'Workload name in the policy namespace; for a Job, the Job name prefix.',
    },
    jobTemplate: Type.Optional(
      OpaqueObject({
        description:
          'batch/v1 JobTemplateSpec (metadata and spec), for deploy tools driven by a Job such ' +
          'as an Ansible playbook run.',
      }),
    ),
  },
  {
    additionalProperties: false,
    ...cel({
      rule: "(self.kind == 'Job') == has(self.jobTemplate)",
      message: 'jobTemplate is required for kind Job and not allowed for other kinds',
      fieldPath: '.jobTemplate',
      check: (self) => (self.kind === 'Job') === has(self, 'jobTemplate'),
    }),
  },
);
export type WorkloadTarget = Static<typeof WorkloadTarget>;

const Workloads = Type.Array(WorkloadTarget, {
  maxItems: LIMITS.workloads,
  description: 'Workloads that mount the ConfigMap and must restart to read it.',
});

export const ServiceTarget = Type.Object(
  {
    configMapName: { ...ResourceName, description: 'ConfigMap the operator writes and owns.' },
    workloads: Type.Optional(Workloads),
  },
  { additionalProperties: false },
);
export type ServiceTarget = Static<typeof ServiceTarget>;

export const Targets = Type.Object(
  {
    imageService: {
      ...ServiceTarget,
      description:
        'Where property-protections.conf and policy.yaml go, and the Glance workloads reading them.',
    },
    computeService: Type.Optional({
      ...ServiceTarget,
      description: 'Where the nova.conf [glance] fragment goes, and the Nova workloads reading it.',
    }),
  },
  {
    additionalProperties: false,
    description: 'ConfigMaps and workloads in the policy namespace.',
  },
);
export type Targets = Static<typeof Targets>;

export const Redeploy = Type.Object(
  {
    liveReloadableChanges: {
      ...StringEnum(LIVE_RELOAD_MODES),
      default: 'Reload',
      description:
        'Changes Glance reads without a restart (policy.yaml, values inside existing ' +
        'property-protections sections): Reload leaves the workloads running, Restart rolls them anyway.',
    },
  },
  { additionalProperties: false },
);

export const OpenStackConnection = Type.Object(
  {
    credentialsSecretRef: {
      ...SecretKeySelector,
      description: 'Secret key holding a clouds.yaml document.',
    },
    cloud: Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'Entry of clouds.yaml to use.',
    }),
    caBundleSecretRef: Type.Optional({
      ...SecretKeySelector,
      description: 'Secret key holding PEM CA certificates for the OpenStack endpoints.',
    }),
  },
  { additionalProperties: false, description: 'How the operator reaches the OpenStack cloud.' },
);
export type OpenStackConnection = Static<typeof OpenStackConnection>;

export const TrustedCertificate = Type.Object(
  {
    secretRef: Type.Optional({
      ...SecretKeySelector,
      description: 'PEM CA certificate in a Secret.',
    }),
    barbicanSecretId: Type.Optional({ ...Uuid, description: 'PEM CA certificate in Barbican.' }),
  },
  {
    additionalProperties: false,
    ...cel({
      rule: 'has(self.secretRef) != has(self.barbicanSecretId)',
      message: 'set exactly one of secretRef or barbicanSecretId',
      check: (self) => has(self, 'secretRef') !== has(self, 'barbicanSecretId'),
    }),
  },
);
export type TrustedCertificate = Static<typeof TrustedCertificate>;

export const ImageSecurityPolicySpec = Type.Object(
  {
    propertyProtection: PropertyProtection,
    policy: Type.Optional(PolicyOverrides),
    computeSignatureVerification: Type.Optional(ComputeSignatureVerification),
    targets: Targets,
    redeploy: Type.Optional(Redeploy),
    openstack: Type.Optional(OpenStackConnection),
    trustedCertificates: Type.Optional(
      Type.Array(TrustedCertificate, {
        maxItems: LIMITS.trustedCertificates,
        description: 'CA certificates that SignedImage certificates must chain to.',
      }),
    ),
    publishedImages: Type.Optional(PublishedImages),
  },
  {
    additionalProperties: false,
    ...cel({
      rule: '!has(self.computeSignatureVerification) || has(self.targets.computeService)',
      message: 'computeSignatureVerification needs targets.computeService',
      fieldPath: '.targets',
      check: (self) =>
        !has(self, 'computeSignatureVerification') ||
        has((self.targets ?? {}) as Record<string, unknown>, 'computeService'),
    }),
  },
);
export type ImageSecurityPolicySpec = Static<typeof ImageSecurityPolicySpec>;

export const Finding = Type.Object({
  severity: StringEnum(['Error', 'Warning'] as const),
  path: Type.String({ maxLength: 512 }),
  message: Type.String({ maxLength: 2048 }),
});
export type FindingStatus = Static<typeof Finding>;

/** Largest number of violations kept in status.catalog.violations. */
export const MAX_CATALOG_VIOLATIONS = 50;

export const CatalogViolation = Type.Object({
  id: Type.String({ maxLength: 64 }),
  name: Type.Optional(Type.String({ maxLength: 255 })),
  owner: Type.Optional(Type.String({ maxLength: 64 })),
  visibility: StringEnum(['public', 'community'] as const),
  hidden: Type.Boolean({ description: 'os_hidden: left out of default listings.' }),
  reason: Type.String({ maxLength: 64 }),
  message: Type.String({ maxLength: 1024 }),
});
export type CatalogViolation = Static<typeof CatalogViolation>;

export const CatalogAction = Type.Object({
  id: Type.String({ maxLength: 64 }),
  name: Type.Optional(Type.String({ maxLength: 255 })),
  action: StringEnum(['MakePrivate', 'Deactivate'] as const),
  result: StringEnum(['Succeeded', 'Failed', 'Skipped', 'Planned'] as const),
  message: Type.Optional(Type.String({ maxLength: 1024 })),
});
export type CatalogAction = Static<typeof CatalogAction>;

export const CatalogStatus = Type.Object(
  {
    lastAuditTime: Type.String({ format: 'date-time' }),
    counts: Type.Object({
      public: Type.Integer({ minimum: 0 }),
      community: Type.Integer({ minimum: 0 }),
      hiddenPublic: Type.Integer({ minimum: 0 }),
      hiddenCommunity: Type.Integer({ minimum: 0 }),
      compliant: Type.Integer({ minimum: 0 }),
      violations: Type.Integer({ minimum: 0 }),
    }),
    violations: Type.Optional(
      Type.Array(CatalogViolation, {
        maxItems: MAX_CATALOG_VIOLATIONS,
        description: 'The first violations of the last audit; counts.violations has the total.',
      }),
    ),
    actions: Type.Optional(
      Type.Array(CatalogAction, {
        maxItems: MAX_CATALOG_VIOLATIONS,
        description: 'What the last audit did, planned (dry run) or skipped for each violation.',
      }),
    ),
  },
  { description: 'Result of the last audit of published images (spec.publishedImages).' },
);
export type CatalogStatus = Static<typeof CatalogStatus>;

export const ImageSecurityPolicyStatus = Type.Object({
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  conditions: Type.Optional(Conditions),
  contentHash: Type.Optional(
    Type.String({ description: 'SHA-256 of the rendered files currently in the ConfigMaps.' }),
  ),
  restartHash: Type.Optional(
    Type.String({
      description: 'SHA-256 of the rendered content that the workloads were last restarted for.',
    }),
  ),
  lastRedeploy: Type.Optional(
    Type.Object({
      mode: StringEnum(['Restart', 'LiveReload'] as const),
      time: Type.String({ format: 'date-time' }),
      contentHash: Type.String(),
    }),
  ),
  findings: Type.Optional(
    Type.Array(Finding, { maxItems: 50, description: 'Validation errors and warnings.' }),
  ),
  catalog: Type.Optional(CatalogStatus),
});
export type ImageSecurityPolicyStatus = Static<typeof ImageSecurityPolicyStatus>;

export interface ImageSecurityPolicy {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: ImageSecurityPolicySpec;
  status?: ImageSecurityPolicyStatus;
}
