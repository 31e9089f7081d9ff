import { describe, expect, it } from '@jest/globals';
import type { ImageSecurityPolicySpec } from '../../../src/api/image-security-policy.js';
import { renderPolicy, type Finding } from '../../../src/render/index.js';
import { ADMIN_WRITES, exact, OPEN, pattern, policySpec } from './fixtures.js';

interface ErrorCase {
  readonly name: string;
  readonly spec: ImageSecurityPolicySpec;
  readonly path: string;
  /** Text the message must contain: the bad value or the fix. */
  readonly mentions: readonly string[];
}

const RULE0 = 'spec.propertyProtection.rules[0]';

function withRule(
  rule: Parameters<typeof policySpec>[1] extends infer P ? P : never,
): ImageSecurityPolicySpec {
  return policySpec({}, rule);
}

function rolesSpec(lists: Partial<typeof ADMIN_WRITES>): ImageSecurityPolicySpec {
  return withRule({ rules: [exact('img_signature', { ...ADMIN_WRITES, ...lists })] });
}

function patternSpec(regex: string): ImageSecurityPolicySpec {
  return withRule({ rules: [pattern(regex)] });
}

const ERROR_CASES: ErrorCase[] = [
  {
    name: 'property and pattern both set',
    spec: withRule({ rules: [{ ...exact('a'), pattern: 'a' }] }),
    path: `${RULE0}.property`,
    mentions: ['exactly one'],
  },
  {
    name: 'empty operation list',
    spec: rolesSpec({ create: [] }),
    path: `${RULE0}.create`,
    mentions: ['["!"]'],
  },
  {
    name: 'empty role',
    spec: rolesSpec({ update: ['admin', ''] }),
    path: `${RULE0}.update[1]`,
    mentions: ['""', 'remove it'],
  },
  {
    name: 'whitespace-only role',
    spec: rolesSpec({ update: ['  '] }),
    path: `${RULE0}.update[0]`,
    mentions: ['"  "'],
  },
  {
    name: 'role with surrounding space',
    spec: rolesSpec({ update: [' admin'] }),
    path: `${RULE0}.update[0]`,
    mentions: ['" admin"', 'write "admin"'],
  },
  {
    name: 'role with comma',
    spec: rolesSpec({ create: ['admin,member'] }),
    path: `${RULE0}.create[0]`,
    mentions: ['"admin,member"', 'own list item'],
  },
  {
    name: 'role with newline',
    spec: rolesSpec({ create: ['admin\n[x]'] }),
    path: `${RULE0}.create[0]`,
    mentions: ['line break'],
  },
  {
    name: 'role with percent',
    spec: rolesSpec({ delete: ['ad%min'] }),
    path: `${RULE0}.delete[0]`,
    mentions: ['"ad%min"', 'remove the "%"'],
  },
  {
    name: '@ with !',
    spec: rolesSpec({ read: ['@', '!'] }),
    path: `${RULE0}.read`,
    mentions: ['"@"', '"!"'],
  },
  {
    name: 'property with newline',
    spec: withRule({ rules: [exact('a\nb')] }),
    path: `${RULE0}.property`,
    mentions: ['line break'],
  },
  {
    name: 'pattern with newline',
    spec: patternSpec('a\n[b]'),
    path: `${RULE0}.pattern`,
    mentions: ['line break'],
  },
  {
    name: 'pattern DEFAULT',
    spec: patternSpec('DEFAULT'),
    path: `${RULE0}.pattern`,
    mentions: ['defaults section', '^DEFAULT$'],
  },
  {
    name: 'duplicate exact property',
    spec: withRule({ rules: [exact('img_signature'), exact('img_signature')] }),
    path: 'spec.propertyProtection.rules[1].property',
    mentions: ['[^img_signature$]', `${RULE0}`, 'merge'],
  },
  {
    name: 'pattern equal to rendered property',
    spec: withRule({ rules: [exact('a_b'), pattern('^a_b$')] }),
    path: 'spec.propertyProtection.rules[1].pattern',
    mentions: ['[^a_b$]'],
  },
  {
    name: 'pattern .* with catchAll',
    spec: withRule({ rules: [pattern('.*')], catchAll: OPEN }),
    path: `${RULE0}.pattern`,
    mentions: ['[.*]', 'catchAll'],
  },
  {
    name: 'reserved os_glance property',
    spec: withRule({ rules: [exact('os_glance_importing_to_stores')] }),
    path: `${RULE0}.property`,
    mentions: ['os_glance', 'remove this rule'],
  },
  {
    name: 'reserved os_glance pattern',
    spec: patternSpec('^os_glance'),
    path: `${RULE0}.pattern`,
    mentions: ['"^os_glance"', 'reserves'],
  },
  {
    name: 'v1 header property',
    spec: withRule({ rules: [exact('x-image-meta-property-img_signature')] }),
    path: `${RULE0}.property`,
    mentions: ['v1', 'property: img_signature'],
  },
  {
    name: 'v1 header pattern',
    spec: patternSpec('x-image-meta-property-img_signature'),
    path: `${RULE0}.pattern`,
    mentions: ['v1', 'property: img_signature'],
  },
  {
    name: 'JavaScript regex literal',
    spec: patternSpec('/^img/i'),
    path: `${RULE0}.pattern`,
    mentions: ['slashes', '^img with (?i)'],
  },
  {
    name: 'JavaScript named group',
    spec: patternSpec('(?<sig>img)'),
    path: `${RULE0}.pattern`,
    mentions: ['(?P<sig>'],
  },
  {
    name: 'Unicode property escape',
    spec: patternSpec('^\\p{L}+$'),
    path: `${RULE0}.pattern`,
    mentions: ['\\p', '[A-Za-z]'],
  },
  {
    name: 'named backreference',
    spec: patternSpec('(?P<a>x)\\k<a>'),
    path: `${RULE0}.pattern`,
    mentions: ['(?P=name)'],
  },
  {
    name: 'variable-width lookbehind',
    spec: patternSpec('(?<=x|yz)img'),
    path: `${RULE0}.pattern`,
    mentions: ['lookbehind', 'fixed length'],
  },
  {
    name: 'braced unicode escape',
    spec: patternSpec('\\u{e9}'),
    path: `${RULE0}.pattern`,
    mentions: ['four hex digits'],
  },
  {
    name: 'short hex escape',
    spec: patternSpec('\\x4'),
    path: `${RULE0}.pattern`,
    mentions: ['2 hex digits'],
  },
  {
    name: 'control escape',
    spec: patternSpec('\\cA'),
    path: `${RULE0}.pattern`,
    mentions: ['\\x01'],
  },
  {
    name: 'lowercase z anchor',
    spec: patternSpec('img\\z'),
    path: `${RULE0}.pattern`,
    mentions: ['$'],
  },
  {
    name: 'global flag in the middle',
    spec: patternSpec('img(?i)_sig'),
    path: `${RULE0}.pattern`,
    mentions: ['(?i)', 'very beginning', '(?i:...)'],
  },
  {
    name: 'possessive quantifier',
    spec: patternSpec('img_.*+'),
    path: `${RULE0}.pattern`,
    mentions: ['possessive', 'drop the trailing +'],
  },
  {
    name: 'atomic group',
    spec: patternSpec('(?>img)_sig'),
    path: `${RULE0}.pattern`,
    mentions: ['atomic', '(?:...)'],
  },
  {
    name: 'verbose flag',
    spec: patternSpec('(?x) img'),
    path: `${RULE0}.pattern`,
    mentions: ['verbose'],
  },
  {
    name: 'locale flag',
    spec: patternSpec('(?L)img'),
    path: `${RULE0}.pattern`,
    mentions: ['flag L'],
  },
  {
    name: 'forward backreference',
    spec: patternSpec('\\1(img)'),
    path: `${RULE0}.pattern`,
    mentions: ['group 1'],
  },
  {
    name: 'unbalanced parenthesis',
    spec: patternSpec('img)'),
    path: `${RULE0}.pattern`,
    mentions: ['unbalanced ")"'],
  },
  {
    name: 'unclosed group',
    spec: patternSpec('(img'),
    path: `${RULE0}.pattern`,
    mentions: ['never closed'],
  },
  {
    name: 'nothing to repeat',
    spec: patternSpec('*img'),
    path: `${RULE0}.pattern`,
    mentions: ['not a valid regular expression'],
  },
  {
    name: 'duplicate group name',
    spec: patternSpec('(?P<a>x)(?P<a>y)'),
    path: `${RULE0}.pattern`,
    mentions: ['twice'],
  },
  {
    name: 'catchAll role error',
    spec: policySpec({}, { catchAll: { ...OPEN, delete: ['a,b'] } }),
    path: 'spec.propertyProtection.catchAll.delete[0]',
    mentions: ['"a,b"'],
  },
  {
    name: 'policies format with two names',
    spec: policySpec(
      { policy: { rules: { a: 'role:admin', b: 'role:member' } } },
      {
        format: 'policies',
        rules: [
          exact('img_signature', { create: ['a', 'b'], read: ['@'], update: ['a'], delete: ['a'] }),
        ],
        catchAll: undefined,
      },
    ),
    path: `${RULE0}.create`,
    mentions: ['exactly one'],
  },
  {
    name: 'policies format undefined rule',
    spec: policySpec(
      { policy: { rules: { a: 'role:admin' } } },
      {
        format: 'policies',
        rules: [
          exact('img_signature', { create: ['a'], read: ['@'], update: ['nope'], delete: ['a'] }),
        ],
        catchAll: undefined,
      },
    ),
    path: `${RULE0}.update[0]`,
    mentions: ['"nope"', 'allows everyone', 'define it in spec.policy.rules'],
  },
  {
    name: 'policies format name with space',
    spec: policySpec(
      { policy: { rules: { 'a b': 'role:admin' } } },
      {
        format: 'policies',
        rules: [
          exact('img_signature', { create: ['a b'], read: ['@'], update: ['!'], delete: ['!'] }),
        ],
        catchAll: undefined,
      },
    ),
    path: `${RULE0}.create[0]`,
    mentions: ['whitespace'],
  },
  {
    name: 'unknown policy name with alias',
    spec: policySpec({ policy: { rules: { deactivate_image: 'role:admin' } } }),
    path: 'spec.policy.rules.deactivate_image',
    mentions: ['"deactivate_image"', 'did you mean "deactivate"'],
  },
  {
    name: 'reactivate alias',
    spec: policySpec({ policy: { rules: { reactivate_image: 'role:admin' } } }),
    path: 'spec.policy.rules.reactivate_image',
    mentions: ['did you mean "reactivate"'],
  },
  {
    name: 'publicize alias',
    spec: policySpec({ policy: { rules: { publicize: 'role:admin' } } }),
    path: 'spec.policy.rules.publicize',
    mentions: ['did you mean "publicize_image"'],
  },
  {
    name: 'misspelled policy name',
    spec: policySpec({ policy: { rules: { dowload_image: 'role:admin' } } }),
    path: 'spec.policy.rules.dowload_image',
    mentions: ['did you mean "download_image"'],
  },
  {
    name: 'policy key needing quotes in path',
    spec: policySpec({ policy: { rules: { 'os:thing': 'role:admin' } } }),
    path: 'spec.policy.rules["os:thing"]',
    mentions: ['"os:thing"'],
  },
  {
    name: 'undefined rule reference',
    spec: policySpec({ policy: { rules: { publicize_image: 'role:admin or rule:nope' } } }),
    path: 'spec.policy.rules.publicize_image',
    mentions: ['rule:nope', 'allows everyone', 'Define "nope"'],
  },
  {
    name: 'admin_or_owner is gone from Glance',
    spec: policySpec({ policy: { rules: { delete_image: 'rule:admin_or_owner' } } }),
    path: 'spec.policy.rules.delete_image',
    mentions: ['rule:admin_or_owner'],
  },
];

function errorsOf(findings: readonly Finding[]): Finding[] {
  return findings.filter((finding) => finding.severity === 'Error');
}

describe('renderPolicy validation', () => {
  it.each(ERROR_CASES)('rejects $name', ({ spec, path, mentions }) => {
    const result = renderPolicy(spec);
    const errors = errorsOf(result.findings);

    expect(errors).toHaveLength(1);
    expect(errors[0]!.path).toBe(path);
    for (const text of mentions) {
      expect(errors[0]!.message).toContain(text);
    }
    expect(result.imageService).toBeUndefined();
    expect(result.computeService).toBeUndefined();
  });

  it('accepts the baseline spec', () => {
    const result = renderPolicy(policySpec());
    expect(result.findings).toEqual([]);
    expect(result.imageService).toBeDefined();
  });

  it('accepts helper rules referenced by rule:', () => {
    const spec = policySpec({
      policy: {
        rules: {
          image_admins: 'role:admin or role:image_admin',
          publicize_image: 'rule:image_admins',
        },
      },
    });
    expect(renderPolicy(spec).findings).toEqual([]);
  });

  it('accepts Glance rules as references', () => {
    const spec = policySpec({ policy: { rules: { publicize_image: 'rule:context_is_admin' } } });
    expect(renderPolicy(spec).findings).toEqual([]);
  });

  it('accepts policies-format names as helper rules', () => {
    const spec = policySpec(
      { policy: { rules: { signature_admin: 'role:admin' } } },
      {
        format: 'policies',
        rules: [
          exact('img_signature', {
            create: ['signature_admin'],
            read: ['@'],
            update: ['signature_admin'],
            delete: ['!'],
          }),
        ],
        catchAll: { create: ['@'], read: ['@'], update: ['@'], delete: ['context_is_admin'] },
      },
    );
    expect(renderPolicy(spec).findings).toEqual([]);
  });

  it('accepts Python-only regex syntax', () => {
    for (const regex of [
      '(?i)^img_sig',
      '(?P<p>img)_(?P=p)',
      '^img\\Z',
      '\\Aimg',
      '[]x]',
      'a{,3}',
      '(?<=x)img',
      '%[x]#;',
    ]) {
      const findings = renderPolicy(patternSpec(regex)).findings;
      expect(findings.filter((finding) => finding.severity === 'Error')).toEqual([]);
    }
  });

  it('accepts roles that configparser keeps', () => {
    const spec = rolesSpec({ create: ['#admin', ';member', '[x]', 'Image Signer'] });
    expect(errorsOf(renderPolicy(spec).findings)).toEqual([]);
  });

  it('reports errors in spec order', () => {
    const spec = policySpec(
      { policy: { rules: { deactivate_image: 'role:admin' } } },
      {
        rules: [
          exact('os_glance_x'),
          pattern('(?<n>a)'),
          exact('a', { ...ADMIN_WRITES, read: [] }),
        ],
        catchAll: { ...OPEN, create: [''] },
      },
    );
    const paths = errorsOf(renderPolicy(spec).findings).map((finding) => finding.path);
    expect(paths).toEqual([
      'spec.propertyProtection.rules[0].property',
      'spec.propertyProtection.rules[1].pattern',
      'spec.propertyProtection.rules[2].read',
      'spec.propertyProtection.catchAll.create[0]',
      'spec.policy.rules.deactivate_image',
    ]);
  });
});
