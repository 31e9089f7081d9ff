/** Condition types the catalog controller owns; the policy controller owns the others. */
export const CATALOG_CONDITION = {
  /** Every public and community image is allowed by spec.publishedImages. */
  compliant: 'CatalogCompliant',
  /** A non-admin probe user was denied everything the policy denies. */
  enforcementVerified: 'EnforcementVerified',
} as const;

/** Reasons of the catalog conditions, also used by the matching Events. */
export const CATALOG_REASON = {
  compliant: 'Compliant',
  violationsFound: 'ViolationsFound',
  blastRadiusExceeded: 'BlastRadiusExceeded',
  dryRun: 'DryRun',
  auditFailed: 'AuditFailed',
  enforced: 'Enforced',
  enforcementFailed: 'EnforcementFailed',
  contested: 'Contested',
  verified: 'Verified',
  checksFailed: 'ChecksFailed',
  probeFailed: 'ProbeFailed',
} as const;
