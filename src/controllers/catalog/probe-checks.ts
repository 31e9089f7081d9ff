/**
 * Pure selection of the enforcement probe checks: which denials the policy
 * promises to a user with the probe user's roles, so a live request can
 * confirm that Glance enforces each one.
 */
import type { ImageSecurityPolicySpec, ProtectionRule } from '../../api/image-security-policy.js';

/** One request the probe user sends, which Glance is expected to deny with 403. */
export type ProbeCheck =
  | { readonly kind: 'property'; readonly property: string; readonly rulePath: string }
  | {
      readonly kind: 'visibility';
      readonly visibility: 'public' | 'community';
      readonly policyRule: 'publicize_image' | 'communitize_image';
    };

/** Most property checks per probe run, so a long rule list costs a bounded number of requests. */
export const MAX_PROPERTY_CHECKS = 5;

/** Glance's default for publicize_image (Glance 25.1): admin only. communitize_image is open. */
const DEFAULT_PUBLICIZE_RULE = 'role:admin';

/**
 * Lists the checks for a probe user holding `roles`. A property check is
 * chosen for the first rules whose `create` list grants none of the roles,
 * when the rule names a concrete property and no earlier rule matches that
 * name (the first match wins in Glance). In the `policies` format the create
 * lists name policy rules, which this selection cannot evaluate, so there
 * are no property checks. A visibility check is chosen when the policy rule
 * denies every one of the roles.
 */
export function selectProbeChecks(
  spec: Pick<ImageSecurityPolicySpec, 'propertyProtection' | 'policy'>,
  roles: readonly string[],
): ProbeCheck[] {
  const roleSet = new Set(roles.map((role) => role.toLowerCase()));
  const checks: ProbeCheck[] = [];

  if (spec.propertyProtection.format !== 'policies') {
    const rules = spec.propertyProtection.rules;
    for (const [index, rule] of rules.entries()) {
      if (checks.length >= MAX_PROPERTY_CHECKS) {
        break;
      }
      const property = concretePropertyOf(rule);
      if (property === undefined || property.startsWith('os_glance')) {
        continue;
      }
      const firstMatch = rules.findIndex((candidate) => ruleMatches(candidate, property));
      if (firstMatch !== index || grants(rule.create, roleSet)) {
        continue;
      }
      checks.push({
        kind: 'property',
        property,
        rulePath: `spec.propertyProtection.rules[${index}]`,
      });
    }
  }

  const policyRules = spec.policy?.rules ?? {};
  if (ruleDenies(policyRules.publicize_image ?? DEFAULT_PUBLICIZE_RULE, roleSet) === true) {
    checks.push({ kind: 'visibility', visibility: 'public', policyRule: 'publicize_image' });
  }
  const communitize = policyRules.communitize_image;
  if (communitize !== undefined && ruleDenies(communitize, roleSet) === true) {
    checks.push({ kind: 'visibility', visibility: 'community', policyRule: 'communitize_image' });
  }
  return checks;
}

/** Returns the property a rule names: `property`, or a pattern that is a plain `^name$`. */
export function concretePropertyOf(rule: ProtectionRule): string | undefined {
  if (rule.property !== undefined) {
    return rule.property;
  }
  const match = /^\^?([A-Za-z0-9_:-]+)\$?$/.exec(rule.pattern ?? '');
  return match?.[1];
}

/**
 * Tests whether a rule applies to a property name. A pattern is searched as
 * a JavaScript regular expression, which agrees with Python's `re.search`
 * for the common syntax. A pattern JavaScript cannot compile matches nothing.
 */
function ruleMatches(rule: ProtectionRule, property: string): boolean {
  if (rule.property !== undefined) {
    return rule.property === property;
  }
  try {
    return new RegExp(rule.pattern ?? '').test(property);
  } catch {
    return false;
  }
}

/** Tests whether a roles-format operation list grants any of the roles. */
function grants(list: readonly string[], roles: ReadonlySet<string>): boolean {
  return list.some((entry) => entry === '@' || roles.has(entry.toLowerCase()));
}

/**
 * Evaluates an oslo.policy rule string for a user with `roles`. Returns true
 * when it denies, false when it allows and undefined when the rule uses
 * anything beyond `role:`, `@`, `!`, `and` and `or` (such as `rule:` or
 * `project_id:`), which this check does not evaluate. An empty rule allows
 * everyone, as oslo.policy reads it.
 */
export function ruleDenies(rule: string, roles: ReadonlySet<string>): boolean | undefined {
  const text = rule.trim();
  if (text === '') {
    return false;
  }
  if (/[()]|\bnot\b/.test(text)) {
    return undefined;
  }
  let unknown = false;
  for (const alternative of text.split(/\s+or\s+/)) {
    const terms = alternative.split(/\s+and\s+/).map(termGrants(roles));
    if (terms.includes(false)) {
      continue;
    }
    if (terms.includes(undefined)) {
      unknown = true;
      continue;
    }
    return false;
  }
  return unknown ? undefined : true;
}

function termGrants(roles: ReadonlySet<string>): (term: string) => boolean | undefined {
  return (term) => {
    const trimmed = term.trim();
    if (trimmed === '@') {
      return true;
    }
    if (trimmed === '!') {
      return false;
    }
    const role = /^role:(.+)$/.exec(trimmed)?.[1];
    return role === undefined ? undefined : roles.has(role.toLowerCase());
  };
}
