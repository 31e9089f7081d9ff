import type { ImageSecurityPolicySpec } from '../../../src/api/image-security-policy.js';
import { protectionSections } from '../../../src/render/protection-rules.js';
import { OPERATIONS, type Operation } from '../../../src/render/protection-values.js';
import { analyzePythonPattern } from '../../../src/render/python-regex.js';

/**
 * Computes, from the spec alone, what Glance's `check_property_rules` returns.
 * A file without sections allows everything. Otherwise the first section
 * whose regex is found in the name decides, and no match denies. `!` denies,
 * `@` allows, and otherwise a role must match case-insensitively, because
 * Glance lowercases token roles.
 *
 * In the policies format, rules in spec.policy.rules are evaluated for the
 * forms the tests use: "role:a", "role:a or role:b", "!" and "@".
 *
 * It deliberately leaves out that Glance's image proxy also denies update and
 * delete to roles that cannot read: check_property_rules does not apply it.
 */
export function expectedAccess(
  spec: ImageSecurityPolicySpec,
  property: string,
  operation: string,
  roles: readonly string[],
): boolean {
  const sections = protectionSections(spec.propertyProtection);
  if (sections.length === 0) {
    return true;
  }
  if (!(OPERATIONS as readonly string[]).includes(operation)) {
    return false;
  }
  const section = sections.find((candidate) => {
    const regExp = analyzePythonPattern(candidate.name).regExp;
    if (regExp === undefined) {
      throw new Error(`section [${candidate.name}] did not translate; the spec is not valid`);
    }
    return regExp.test(property);
  });
  if (section === undefined) {
    return false;
  }

  const list = section.lists[operation as Operation];
  if (list.includes('!')) {
    return false;
  }
  if (list.includes('@')) {
    return true;
  }
  const lowerRoles = new Set(roles.map((role) => role.toLowerCase()));
  if (spec.propertyProtection.format === 'policies') {
    return evaluateRule(spec.policy?.rules?.[list[0]!] ?? '', lowerRoles);
  }
  return list.some((role) => lowerRoles.has(role.toLowerCase()));
}

function evaluateRule(rule: string, roles: ReadonlySet<string>): boolean {
  if (rule.trim() === '' || rule.trim() === '@') {
    return true;
  }
  if (rule.trim() === '!') {
    return false;
  }
  return rule.split(/\s+or\s+/).some((term) => {
    const role = /^role:(\S+)$/.exec(term.trim());
    if (role === null) {
      throw new Error(`rule term ${JSON.stringify(term)} is outside what the test model evaluates`);
    }
    return roles.has(role[1]!.toLowerCase());
  });
}
