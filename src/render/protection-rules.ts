import type { PropertyProtection, ProtectionRule } from '../api/image-security-policy.js';
import { error, show, warning, type Finding } from './findings.js';
import { LINE_BREAK } from './ini-writer.js';
import { itemPath } from './paths.js';
import { checkOperationLists, type OperationLists } from './protection-values.js';
import { analyzePythonPattern, escapePythonRegex } from './python-regex.js';

const PROTECTION_PATH = 'spec.propertyProtection';

/** Section name of the catch-all, rendered after every rule. */
export const CATCH_ALL_SECTION = '.*';

/** Prefix of Glance's own properties; Glance drops user sections for them. */
const RESERVED_PREFIX = 'os_glance';

/** Prefix that Glance v1 put before property names in HTTP headers; v2 names never contain it. */
const V1_PREFIX = /x-image-meta-property-/i;

/**
 * Varied non-empty property names. A pattern that matches all of them is
 * treated as matching every name, as `.*`, `.+` or `^` do.
 * NOTE: this is a sample, so a pattern such as `[^q]` also counts as matching every name.
 */
const SAMPLE_NAMES = [
  'a',
  'Z9',
  'img_signature',
  'hw_firmware_type',
  'os_hash_value',
  'x-y.z:0',
  '\u00e9',
];

/** One section of property-protections.conf, in file order. */
export interface ProtectionSection {
  readonly name: string;
  /** Field path of the spec object the section comes from. */
  readonly path: string;
  readonly lists: OperationLists;
  /** The exact property name, for sections rendered from `property`. */
  readonly property?: string;
}

/** Returns the section name of a rule: the anchored, escaped property name, or the pattern as given. */
export function sectionName(rule: ProtectionRule): string {
  return rule.property !== undefined
    ? `^${escapePythonRegex(rule.property)}$`
    : (rule.pattern ?? '');
}

/** Returns the sections in the order Glance tries them: the rules, then the catch-all. */
export function protectionSections(protection: PropertyProtection): ProtectionSection[] {
  const sections: ProtectionSection[] = protection.rules.map((rule, index) => ({
    name: sectionName(rule),
    path: itemPath(`${PROTECTION_PATH}.rules`, index),
    lists: rule,
    property: rule.property,
  }));
  if (protection.catchAll !== undefined) {
    sections.push({
      name: CATCH_ALL_SECTION,
      path: `${PROTECTION_PATH}.catchAll`,
      lists: protection.catchAll,
    });
  }
  return sections;
}

/** Checks the property protections; `policyRules` are the rule names in spec.policy.rules. */
export function checkPropertyProtection(
  protection: PropertyProtection,
  policyRules: ReadonlySet<string>,
): Finding[] {
  const findings: Finding[] = [];
  const firstByName = new Map<string, string>();
  const earlier: { path: string; name: string; regExp: RegExp }[] = [];

  protection.rules.forEach((rule, index) => {
    const path = itemPath(`${PROTECTION_PATH}.rules`, index);
    const nameFindings = checkRuleName(rule, path);
    findings.push(...nameFindings);

    const name = sectionName(rule);
    const field = rule.property !== undefined ? 'property' : 'pattern';
    const duplicateOf = firstByName.get(name);
    if (duplicateOf !== undefined) {
      findings.push(
        error(
          `${path}.${field}`,
          `renders the section [${name}] that ${duplicateOf} already renders, and Glance rejects a file with a duplicate section; merge the two rules`,
        ),
      );
    }
    firstByName.set(name, duplicateOf ?? path);
    if (name === CATCH_ALL_SECTION && protection.catchAll !== undefined) {
      findings.push(
        error(
          `${path}.pattern`,
          `renders the section [${CATCH_ALL_SECTION}] that catchAll also renders, and Glance rejects a duplicate section; remove this rule or catchAll`,
        ),
      );
    }

    findings.push(...checkOperationLists(rule, protection.format, path, policyRules));

    if (nameFindings.length === 0) {
      findings.push(...checkShadowing(rule, path, earlier));
      const analysis = analyzePythonPattern(name);
      if (analysis.backtrackingRisk) {
        findings.push(backtrackingWarning(name, `${path}.pattern`));
      } else if (analysis.regExp !== undefined) {
        // Only patterns without a backtracking risk are run, so a hostile pattern cannot stall the operator.
        earlier.push({ path, name, regExp: analysis.regExp });
      }
    }
  });

  findings.push(...checkCatchAll(protection, policyRules, earlier));
  return findings;
}

function checkRuleName(rule: ProtectionRule, path: string): Finding[] {
  if ((rule.property === undefined) === (rule.pattern === undefined)) {
    return [
      error(`${path}.property`, 'sets both or neither of property and pattern; set exactly one'),
    ];
  }
  if (rule.property !== undefined) {
    return checkProperty(rule.property, `${path}.property`);
  }
  return checkPattern(rule.pattern!, `${path}.pattern`);
}

function checkProperty(property: string, path: string): Finding[] {
  if (property === '' || LINE_BREAK.test(property)) {
    return [
      error(
        path,
        `property ${show(property)} is empty or contains a line break; write the Glance v2 property name`,
      ),
    ];
  }
  if (V1_PREFIX.test(property)) {
    const bare = property.replace(V1_PREFIX, '');
    return [
      error(
        path,
        `property ${show(property)} is a Glance v1 header name, which never matches a v2 property; write property: ${bare}`,
      ),
    ];
  }
  if (property.startsWith(RESERVED_PREFIX)) {
    return [
      error(
        path,
        `property ${show(property)} starts with "${RESERVED_PREFIX}", which Glance reserves for its own properties and protects itself; remove this rule`,
      ),
    ];
  }
  return [];
}

function checkPattern(pattern: string, path: string): Finding[] {
  if (pattern === '' || LINE_BREAK.test(pattern)) {
    return [
      error(
        path,
        `pattern ${show(pattern)} is empty or contains a line break; write a one-line Python regular expression`,
      ),
    ];
  }
  if (pattern === 'DEFAULT') {
    return [
      error(
        path,
        'pattern "DEFAULT" names the configparser defaults section, whose keys apply to every section; write ^DEFAULT$ to match a property named DEFAULT',
      ),
    ];
  }
  if (V1_PREFIX.test(pattern)) {
    const bare = pattern.replace(V1_PREFIX, '');
    const fix = /^\^?[A-Za-z0-9_:.-]+\$?$/.test(bare)
      ? `property: ${bare.replace(/^\^|\$$/g, '')}`
      : `pattern: ${bare}`;
    return [
      error(
        path,
        `pattern ${show(pattern)} contains the Glance v1 header prefix, which never matches a v2 property name; write ${fix}`,
      ),
    ];
  }
  const literal = /^\/(.+)\/([dgimsuvy]*)$/.exec(pattern);
  if (literal !== null) {
    return [
      error(
        path,
        `pattern ${show(pattern)} is written as a JavaScript literal, but Glance reads the slashes as characters; write ${literal[1]}${literal[2]!.includes('i') ? ' with (?i) at the start' : ''}`,
      ),
    ];
  }

  const problems = analyzePythonPattern(pattern).problems;
  if (problems.length > 0) {
    return problems.map((problem) => error(path, `pattern ${show(pattern)} ${problem}`));
  }
  if (/^(?:\(\?[aimsu]+\))*(?:\^|\\A)os_glance/.test(pattern)) {
    return [
      error(
        path,
        `pattern ${show(pattern)} matches only names starting with "${RESERVED_PREFIX}", which Glance reserves and protects itself; remove this rule`,
      ),
    ];
  }
  return [];
}

function backtrackingWarning(pattern: string, path: string): Finding {
  return warning(
    path,
    `pattern ${show(pattern)} repeats a group that itself repeats or alternates, uses a backreference, ` +
      'or has many repeats, so matching can take exponential or high polynomial time on some names. ' +
      'Glance runs it on property names of every image request, and the checks for shadowed rules skip it; ' +
      'rewrite it with fewer repeats, such as ^prefix_ in place of ^(prefix_.*)+',
  );
}

/** Returns true when `regExp` matches every sample name, as a pattern such as `.*` or `^` does. */
function matchesEveryName(regExp: RegExp): boolean {
  return SAMPLE_NAMES.every((name) => regExp.test(name));
}

function checkShadowing(
  rule: ProtectionRule,
  path: string,
  earlier: readonly { path: string; name: string; regExp: RegExp }[],
): Finding[] {
  for (const previous of earlier) {
    if (matchesEveryName(previous.regExp)) {
      return [
        warning(
          path,
          `is never used: ${previous.path} ([${previous.name}]) matches every property name first; move this rule before it`,
        ),
      ];
    }
    if (rule.property !== undefined && previous.regExp.test(rule.property)) {
      return [
        warning(
          `${path}.property`,
          `is never used for ${show(rule.property)}: ${previous.path} ([${previous.name}]) matches that name first, and Glance uses the first match; move this rule before it`,
        ),
      ];
    }
  }
  return [];
}

function checkCatchAll(
  protection: PropertyProtection,
  policyRules: ReadonlySet<string>,
  earlier: readonly { path: string; name: string; regExp: RegExp }[],
): Finding[] {
  const path = `${PROTECTION_PATH}.catchAll`;
  if (protection.catchAll === undefined) {
    if (protection.rules.length === 0) {
      return [
        warning(
          path,
          'there are no rules and no catchAll, and Glance applies no protection with an empty file: everyone may set every property; add rules or a catchAll',
        ),
      ];
    }
    return [
      warning(
        path,
        'is not set, so Glance denies every operation on properties that match no rule to everyone, admin included; add a catchAll such as read: ["@"] and create, update, delete: ["admin"]',
      ),
    ];
  }

  const findings = checkOperationLists(protection.catchAll, protection.format, path, policyRules);
  const everything = earlier.find((previous) => matchesEveryName(previous.regExp));
  if (everything !== undefined) {
    findings.push(
      warning(
        path,
        `is never used: ${everything.path} ([${everything.name}]) matches every property name first; remove one of them`,
      ),
    );
  }
  return findings;
}
