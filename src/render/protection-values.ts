import type { RuleFormat } from '../api/image-security-policy.js';
import { error, show, warning, type Finding } from './findings.js';
import { GLANCE_POLICY_NAMES } from './glance-policy-names.js';
import { LINE_BREAK } from './ini-writer.js';
import { itemPath } from './paths.js';

export const OPERATIONS = ['create', 'read', 'update', 'delete'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** The four operation lists of one property-protections.conf section. */
export type OperationLists = Readonly<Record<Operation, readonly string[]>>;

/** `@` allows every role and `!` denies every role, in both rule formats. */
export const ALLOW_ALL = '@';
export const DENY_ALL = '!';

/**
 * Checks the operation lists of one section. `path` is the section's field
 * path, and `policyRules` are the rule names defined in spec.policy.rules.
 */
export function checkOperationLists(
  lists: OperationLists,
  format: RuleFormat,
  path: string,
  policyRules: ReadonlySet<string>,
): Finding[] {
  const findings: Finding[] = [];
  for (const operation of OPERATIONS) {
    const listPath = `${path}.${operation}`;
    const list = lists[operation] ?? [];

    if (list.length === 0) {
      findings.push(
        error(
          listPath,
          `${operation} lists nothing; write ["${DENY_ALL}"] to deny everyone or name who may ${operation}`,
        ),
      );
      continue;
    }
    list.forEach((entry, index) =>
      findings.push(...checkEntry(entry, itemPath(listPath, index), format)),
    );

    if (format === 'roles') {
      findings.push(...checkRoleList(list, listPath));
    } else {
      findings.push(...checkPolicyList(list, listPath, policyRules));
    }
  }
  if (format === 'roles') {
    findings.push(...checkReadCoversWrites(lists, path));
  }
  return findings;
}

/** Checks one role or rule name against what configparser and Glance read back unchanged. */
function checkEntry(entry: string, path: string, format: RuleFormat): Finding[] {
  const kind = format === 'roles' ? 'role' : 'policy rule name';
  if (entry.trim() === '') {
    return [error(path, `${kind} ${show(entry)} is empty; remove it or write a ${kind}`)];
  }
  if (LINE_BREAK.test(entry)) {
    return [
      error(
        path,
        `${kind} ${show(entry)} contains a line break, which would corrupt the file; remove it`,
      ),
    ];
  }
  if (entry !== entry.trim()) {
    return [
      error(
        path,
        `${kind} ${show(entry)} starts or ends with whitespace, which Glance strips; write ${show(entry.trim())}`,
      ),
    ];
  }
  if (entry.includes(',')) {
    return [
      error(
        path,
        `${kind} ${show(entry)} contains ",", which Glance reads as a list separator; put each ${kind} in its own list item`,
      ),
    ];
  }
  if (entry.includes('%')) {
    return [
      error(
        path,
        `${kind} ${show(entry)} contains "%", which Python's configparser reads as interpolation, so Glance rejects ` +
          'the whole file; remove the "%"',
      ),
    ];
  }
  if (format === 'policies' && /[\s()]/.test(entry)) {
    return [
      error(
        path,
        `policy rule name ${show(entry)} contains whitespace or a parenthesis, which oslo.policy cannot refer to; rename the rule`,
      ),
    ];
  }
  return [];
}

function checkRoleList(list: readonly string[], path: string): Finding[] {
  const allowAll = list.includes(ALLOW_ALL);
  const denyAll = list.includes(DENY_ALL);
  if (allowAll && denyAll) {
    return [
      error(
        path,
        `lists both "${ALLOW_ALL}" and "${DENY_ALL}", which Glance rejects; keep "${ALLOW_ALL}" to allow everyone or "${DENY_ALL}" to deny everyone`,
      ),
    ];
  }
  if ((allowAll || denyAll) && list.length > 1) {
    const special = allowAll ? ALLOW_ALL : DENY_ALL;
    return [
      warning(
        path,
        `lists "${special}" with other roles, which Glance ignores; write ["${special}"] alone`,
      ),
    ];
  }
  return [];
}

function checkPolicyList(
  list: readonly string[],
  path: string,
  policyRules: ReadonlySet<string>,
): Finding[] {
  if (list.length !== 1) {
    return [
      error(
        path,
        `lists ${list.length} entries, but the policies format takes exactly one policy rule name; combine them in one rule in spec.policy.rules`,
      ),
    ];
  }
  const name = list[0]!;
  if (
    name === ALLOW_ALL ||
    name === DENY_ALL ||
    policyRules.has(name) ||
    GLANCE_POLICY_NAMES.has(name)
  ) {
    return [];
  }
  return [
    error(
      itemPath(path, 0),
      `policy rule ${show(name)} is not defined, so oslo.policy falls back to Glance's default rule, which allows ` +
        'everyone; define it in spec.policy.rules',
    ),
  ];
}

/**
 * Warns where update or delete grants a role that read does not. Glance 25
 * (glance/api/property_protections.py) hides properties a role may not read,
 * so that role's delete fails and its update is checked against create.
 */
function checkReadCoversWrites(lists: OperationLists, path: string): Finding[] {
  const read = lists.read ?? [];
  if (read.includes(ALLOW_ALL) && !read.includes(DENY_ALL)) {
    return [];
  }
  const readers = read.includes(DENY_ALL)
    ? new Set<string>()
    : new Set(read.map((role) => role.toLowerCase()));

  const findings: Finding[] = [];
  for (const operation of ['update', 'delete'] as const) {
    const list = lists[operation] ?? [];
    if (list.includes(DENY_ALL)) {
      continue;
    }
    const unreadable = list.includes(ALLOW_ALL)
      ? ['every role']
      : list.filter((role) => !readers.has(role.toLowerCase()));
    if (unreadable.length > 0) {
      findings.push(
        warning(
          `${path}.${operation}`,
          `${operation} allows ${unreadable.map((role) => (role === 'every role' ? role : show(role))).join(', ')}, ` +
            `but read does not. Glance hides properties from roles that cannot read them, so for those roles ` +
            'a delete fails and an update is checked as a create; add them to read or remove them here',
        ),
      );
    }
  }
  return findings;
}
