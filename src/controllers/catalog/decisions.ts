/** Pure decisions of one catalog pass: the conditions it sets. */
import type { EnforcementPlan } from '../../catalog/enforce.js';
import type { ConditionUpdate } from '../../kube/conditions.js';
import type { ActionRecord } from './enforcement.js';
import type { ProbeResult } from './probes.js';
import { CATALOG_CONDITION, CATALOG_REASON } from './reasons.js';

/**
 * Decides CatalogCompliant. An image the pass changed successfully no
 * longer violates the policy, so a pass that fixed every violation reports
 * Compliant. A blocked pass and a dry run report their own reasons, because
 * the user then has to act.
 */
export function catalogCondition(
  plan: EnforcementPlan,
  records: readonly ActionRecord[],
  generation: number | undefined,
): ConditionUpdate {
  const base = { type: CATALOG_CONDITION.compliant, observedGeneration: generation };
  const fixed = records.filter((record) => record.result === 'Succeeded').length;
  const remaining = plan.violations - fixed;

  if (plan.blocked !== undefined) {
    return {
      ...base,
      status: 'False',
      reason: CATALOG_REASON.blastRadiusExceeded,
      message: plan.blocked,
    };
  }
  if (remaining === 0) {
    const message =
      fixed === 0
        ? 'Every public and community image is allowed by spec.publishedImages.'
        : `${fixed} violating image(s) changed with ${plan.action}; no violations remain.`;
    return { ...base, status: 'True', reason: CATALOG_REASON.compliant, message };
  }
  if (plan.dryRun && plan.action !== 'Report') {
    return {
      ...base,
      status: 'False',
      reason: CATALOG_REASON.dryRun,
      message:
        `${remaining} violating image(s); dry run, so the ${plan.actions.length} planned ` +
        `${plan.action} action(s) were not applied (see status.catalog).`,
    };
  }
  const contested = records.filter((record) => record.contested === true).length;
  const failed = records.filter((record) => record.result === 'Failed').length;
  const details = [
    ...(contested > 0 ? [`${contested} contested`] : []),
    ...(failed > 0 ? [`${failed} action(s) failed`] : []),
  ];
  return {
    ...base,
    status: 'False',
    reason: CATALOG_REASON.violationsFound,
    message:
      `${remaining} public or community image(s) violate spec.publishedImages` +
      `${details.length > 0 ? ` (${details.join(', ')})` : ''}; see status.catalog.violations.`,
  };
}

/** Decides CatalogCompliant for a pass that could not list the catalog. */
export function auditFailedCondition(
  message: string,
  generation: number | undefined,
): ConditionUpdate {
  return {
    type: CATALOG_CONDITION.compliant,
    status: 'Unknown',
    reason: CATALOG_REASON.auditFailed,
    message: message.slice(0, 2048),
    observedGeneration: generation,
  };
}

/** Decides EnforcementVerified from a probe run, or from the error that stopped it. */
export function probeCondition(
  result: ProbeResult | { readonly error: string },
  generation: number | undefined,
): ConditionUpdate {
  const base = { type: CATALOG_CONDITION.enforcementVerified, observedGeneration: generation };
  if ('error' in result) {
    return {
      ...base,
      status: 'Unknown',
      reason: CATALOG_REASON.probeFailed,
      message: `The enforcement probes could not run: ${result.error}`.slice(0, 2048),
    };
  }
  if (result.failures.length > 0) {
    return {
      ...base,
      status: 'False',
      reason: CATALOG_REASON.checksFailed,
      message: result.failures.join('; ').slice(0, 4096),
    };
  }
  return {
    ...base,
    status: 'True',
    reason: CATALOG_REASON.verified,
    message:
      result.passed.length === 0
        ? 'The policy denies the probe user nothing that a probe can check.'
        : `Glance denied the probe user every checked request: ${result.passed.join(', ')}.`,
  };
}
