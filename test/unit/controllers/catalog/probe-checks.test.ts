import { describe, expect, it } from '@jest/globals';
import type {
  ImageSecurityPolicySpec,
  ProtectionRule,
} from '../../../../src/api/image-security-policy.js';
import {
  MAX_PROPERTY_CHECKS,
  ruleDenies,
  selectProbeChecks,
} from '../../../../src/controllers/catalog/probe-checks.js';

type ProbeSpec = Pick<ImageSecurityPolicySpec, 'propertyProtection' | 'policy'>;

const MEMBER = ['member', 'reader'];

function rule(
  target: { property: string } | { pattern: string },
  create: string[],
): ProtectionRule {
  return { ...target, create, read: ['@'], update: create, delete: create };
}

function spec(rules: ProtectionRule[], policyRules?: Record<string, string>): ProbeSpec {
  return {
    propertyProtection: { format: 'roles', rules },
    ...(policyRules === undefined ? {} : { policy: { rules: policyRules } }),
  };
}

function propertiesOf(checks: ReturnType<typeof selectProbeChecks>): string[] {
  return checks.flatMap((check) => (check.kind === 'property' ? [check.property] : []));
}

describe('selectProbeChecks', () => {
  it('checks properties denied to the roles', () => {
    const checks = selectProbeChecks(
      spec([
        rule({ property: 'img_signature' }, ['admin']),
        rule({ property: 'owner_note' }, ['member']),
        rule({ pattern: '^img_signature_hash_method$' }, ['admin']),
      ]),
      MEMBER,
    );

    expect(propertiesOf(checks)).toEqual(['img_signature', 'img_signature_hash_method']);
    expect(checks[0]).toEqual({
      kind: 'property',
      property: 'img_signature',
      rulePath: 'spec.propertyProtection.rules[0]',
    });
  });

  it('compares roles ignoring case', () => {
    const checks = selectProbeChecks(spec([rule({ property: 'x' }, ['Member'])]), MEMBER);

    expect(propertiesOf(checks)).toEqual([]);
  });

  it('skips rules granting every role', () => {
    const checks = selectProbeChecks(spec([rule({ property: 'x' }, ['@'])]), MEMBER);

    expect(propertiesOf(checks)).toEqual([]);
  });

  it('skips a name an earlier rule matches', () => {
    const checks = selectProbeChecks(
      spec([rule({ pattern: '^img_' }, ['@']), rule({ property: 'img_signature' }, ['admin'])]),
      MEMBER,
    );

    expect(propertiesOf(checks)).toEqual([]);
  });

  it('skips patterns without one concrete name', () => {
    const checks = selectProbeChecks(spec([rule({ pattern: '^img_sig.*' }, ['admin'])]), MEMBER);

    expect(propertiesOf(checks)).toEqual([]);
  });

  it('skips reserved os_glance names', () => {
    const checks = selectProbeChecks(spec([rule({ property: 'os_glance_x' }, ['admin'])]), MEMBER);

    expect(propertiesOf(checks)).toEqual([]);
  });

  it('caps the property checks', () => {
    const rules = Array.from({ length: 9 }, (_, i) => rule({ property: `p${i}` }, ['admin']));

    expect(propertiesOf(selectProbeChecks(spec(rules), MEMBER))).toHaveLength(MAX_PROPERTY_CHECKS);
  });

  it('skips properties in the policies format', () => {
    const checks = selectProbeChecks(
      {
        propertyProtection: {
          format: 'policies',
          rules: [rule({ property: 'img_signature' }, ['glance_admin'])],
        },
      },
      MEMBER,
    );

    expect(propertiesOf(checks)).toEqual([]);
  });

  it('checks publicize by default', () => {
    const checks = selectProbeChecks(spec([]), MEMBER);

    expect(checks).toEqual([
      { kind: 'visibility', visibility: 'public', policyRule: 'publicize_image' },
    ]);
  });

  it('skips publicize when members may', () => {
    const checks = selectProbeChecks(
      spec([], { publicize_image: 'role:admin or role:member' }),
      MEMBER,
    );

    expect(checks).toEqual([]);
  });

  it('checks communitize only when restricted', () => {
    const restricted = selectProbeChecks(spec([], { communitize_image: 'role:admin' }), MEMBER);
    const open = selectProbeChecks(spec([], { communitize_image: '' }), MEMBER);

    expect(restricted).toContainEqual({
      kind: 'visibility',
      visibility: 'community',
      policyRule: 'communitize_image',
    });
    expect(
      open.some((check) => check.kind === 'visibility' && check.visibility === 'community'),
    ).toBe(false);
  });

  it('skips every check for an admin probe user', () => {
    const checks = selectProbeChecks(spec([rule({ property: 'img_signature' }, ['admin'])]), [
      'admin',
    ]);

    expect(checks).toEqual([]);
  });
});

describe('ruleDenies', () => {
  const roles = new Set(MEMBER);
  const cases: [string, boolean | undefined][] = [
    ['role:admin', true],
    ['!', true],
    ['', false],
    ['@', false],
    ['role:member', false],
    ['role:admin or role:reader', false],
    ['role:admin and role:member', true],
    ['role:member and role:reader', false],
    ['rule:context_is_admin', undefined],
    ['role:admin or project_id:%(project_id)s', undefined],
    ['not role:admin', undefined],
    ['(role:admin)', undefined],
  ];

  it.each(cases)('evaluates %j', (rule, expected) => {
    expect(ruleDenies(rule, roles)).toBe(expected);
  });
});
