import { error, show, warning, type Finding } from './findings.js';
import { GENERATED_HEADER } from './files.js';
import { GLANCE_POLICY_NAMES, suggestPolicyName } from './glance-policy-names.js';
import { mapEntryPath } from './paths.js';
import { quoteYaml } from './yaml-quote.js';

const RULES_PATH = 'spec.policy.rules';

/** `rule:<name>` references in an oslo.policy check string; names end at whitespace or a parenthesis. */
const RULE_REFERENCE = /(?:^|[\s(])rule:([^\s()]+)/g;

/** Returns the rule names that a check string refers to with `rule:<name>`, in order. */
export function ruleReferences(checkString: string): string[] {
  return [...checkString.matchAll(RULE_REFERENCE)].map((match) => match[1]!);
}

/**
 * Checks the policy.yaml overrides.
 *
 * `customRuleNames` contains the names that property protections in the
 * policies format use. Those names, and names referred to as `rule:<name>`,
 * are helper rules rather than misspelled Glance rules.
 */
export function checkPolicyRules(
  rules: Readonly<Record<string, string>>,
  customRuleNames: ReadonlySet<string>,
): Finding[] {
  const findings: Finding[] = [];
  const referenced = new Set(Object.values(rules).flatMap(ruleReferences));

  for (const [name, checkString] of Object.entries(rules)) {
    const path = mapEntryPath(RULES_PATH, name);
    const isCustom = referenced.has(name) || customRuleNames.has(name);

    if (!GLANCE_POLICY_NAMES.has(name) && !isCustom) {
      const suggestion = suggestPolicyName(name);
      const fix =
        suggestion === undefined
          ? 'use a rule name that Glance defines, or refer to this rule from another rule as rule:' +
            name
          : `did you mean ${show(suggestion)}?`;
      findings.push(
        error(
          path,
          `policy rule ${show(name)} is not a Glance policy name, so oslo.policy ignores it and it changes nothing; ${fix}`,
        ),
      );
    }

    if (checkString.trim() === '') {
      findings.push(
        warning(
          path,
          `policy rule ${show(name)} is empty, which allows everyone; use "!" to deny everyone or name roles such as "role:admin"`,
        ),
      );
    }

    for (const reference of ruleReferences(checkString)) {
      if (!(reference in rules) && !GLANCE_POLICY_NAMES.has(reference)) {
        findings.push(
          error(
            path,
            `policy rule ${show(name)} refers to rule:${reference}, which neither this policy nor Glance defines; ` +
              "oslo.policy then falls back to Glance's default rule, which allows everyone. " +
              `Define ${show(reference)} in spec.policy.rules or refer to an existing rule`,
          ),
        );
      }
    }
  }
  return findings;
}

/** Renders policy.yaml with rules sorted by name and every key and value double-quoted. */
export function renderPolicyYaml(rules: Readonly<Record<string, string>>): string {
  const names = Object.keys(rules).sort();
  const lines = [`# ${GENERATED_HEADER}`];
  if (names.length === 0) {
    lines.push('{}');
  }
  for (const name of names) {
    lines.push(`${quoteYaml(name)}: ${quoteYaml(rules[name]!)}`);
  }
  return `${lines.join('\n')}\n`;
}
