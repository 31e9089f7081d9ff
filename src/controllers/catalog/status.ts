/**
 * The catalog part of ImageSecurityPolicy status, and the write that touches
 * only that part. The policy controller writes the rest of status, so this
 * module merges its own conditions into the current list by type and sends
 * the resourceVersion it read. A concurrent write makes the apiserver return
 * 409, and the write is retried on a fresh read.
 */
import type { Condition } from '../../api/common.js';
import {
  MAX_CATALOG_VIOLATIONS,
  type CatalogAction,
  type CatalogStatus,
  type ImageSecurityPolicyStatus,
} from '../../api/image-security-policy.js';
import type { ImageAudit } from '../../catalog/audit.js';
import { setCondition, type ConditionUpdate } from '../../kube/conditions.js';

/** Counts the audited images by visibility and compliance, and keeps the first violations. */
export function buildCatalogStatus(
  audits: readonly ImageAudit[],
  actions: readonly CatalogAction[],
  now: Date,
): CatalogStatus {
  const count = (exposure: string, hidden: boolean): number =>
    audits.filter((audit) => audit.exposure === exposure && audit.hidden === hidden).length;
  const violations = audits.filter((audit) => !audit.compliant);
  return {
    lastAuditTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    counts: {
      public: count('public', false),
      community: count('community', false),
      hiddenPublic: count('public', true),
      hiddenCommunity: count('community', true),
      compliant: audits.length - violations.length,
      violations: violations.length,
    },
    violations: violations.slice(0, MAX_CATALOG_VIOLATIONS).map((audit) => ({
      id: audit.imageId,
      ...(audit.name === null ? {} : { name: audit.name.slice(0, 255) }),
      ...(audit.owner === null ? {} : { owner: audit.owner }),
      visibility: audit.exposure,
      hidden: audit.hidden,
      reason: audit.reason,
      message: audit.message.slice(0, 1024),
    })),
    actions: actions.slice(0, MAX_CATALOG_VIOLATIONS),
  };
}

/** The status fields the catalog controller writes. */
export interface CatalogStatusUpdate {
  /** Unset when the pass has no new catalog result, such as after a failed audit. */
  readonly catalog?: CatalogStatus;
  readonly conditions: readonly ConditionUpdate[];
}

/**
 * Returns the `status` part of the merge patch: `catalog` and the whole
 * conditions list, because a merge patch replaces lists. The list is the
 * live one with each catalog condition set by type, so conditions of the
 * policy controller stay as they were read.
 */
export function catalogStatusPatch(
  live: ImageSecurityPolicyStatus | undefined,
  update: CatalogStatusUpdate,
  now: Date,
): { catalog?: CatalogStatus; conditions: Condition[] } {
  let conditions: Condition[] = [...(live?.conditions ?? [])];
  for (const condition of update.conditions) {
    conditions = setCondition(conditions, condition, now);
  }
  return update.catalog === undefined ? { conditions } : { catalog: update.catalog, conditions };
}
