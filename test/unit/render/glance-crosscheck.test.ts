import { beforeAll, describe, expect, it } from '@jest/globals';
import type { ImageSecurityPolicySpec } from '../../../src/api/image-security-policy.js';
import { hasErrors, renderPolicy } from '../../../src/render/index.js';
import { writeIni } from '../../../src/render/ini-writer.js';
import { analyzePythonPattern } from '../../../src/render/python-regex.js';
import { expectedAccess } from './expected-access.js';
import { ADMIN_WRITES, exact, OPEN, pattern, policySpec, vendorGuideSpec } from './fixtures.js';
import { runGlance, type GlanceCase, type GlanceOutput, type Query } from './glance-harness.js';

const PROPERTIES = [
  'img_signature',
  'img_signature_hash_method',
  'ximg_signature',
  'Img_Signature',
  'img_signature\n',
  'xloud_base_image',
  'hw_firmware_type',
  'hw_firmware_typex',
  'spl_prop',
  'xspl_prop_2',
  'x_foo_bar',
  'x_fo',
  'os_hash_value',
  'owner_specified.openstack.md5',
  'a.b',
  'axb',
  'caf\u00e9',
  'disk123',
  'x-image-meta-property-img_signature',
  '',
];
const OPERATIONS = ['create', 'read', 'update', 'delete'];
const ROLE_SETS: readonly (readonly string[])[] = [
  [],
  ['member'],
  ['admin'],
  ['reader', 'member'],
  ['image_signer'],
];

const ROLES_LISTS = {
  create: ['admin', 'Image_Signer'],
  read: ['@'],
  update: ['admin'],
  delete: ['!'],
};

/** Valid specs whose rendered files Glance must load and evaluate as the spec defines. */
const VALID_SPECS: Record<string, ImageSecurityPolicySpec> = {
  vendorGuide: vendorGuideSpec(),
  exactWithMetacharacters: policySpec(
    {
      policy: {
        rules: {
          publicize_image:
            'role:admin and "quoted" \\ tab\there \u2028 \u0085 caf\u00e9 \u{1f600} #x: y',
          communitize_image: '!',
          deactivate: '',
        },
      },
    },
    { rules: [exact('a.b'), exact('owner_specified.openstack.md5')] },
  ),
  regexFeatures: policySpec(
    {},
    {
      rules: [
        pattern('(?i)^img_sig', ROLES_LISTS),
        pattern('x_foo_*', {
          create: ['member'],
          read: ['@'],
          update: ['member', 'admin'],
          delete: ['admin'],
        }),
        pattern('(?<=x)spl_prop_\\d{1,3}\\Z', OPEN),
        pattern('^[^\\W\\d]{3,}\\d+$', ADMIN_WRITES),
        pattern('^(?P<word>ca)f\\u00e9$|^os_(hash|glance)_'),
        pattern('^hw_(firmware|machine)_type$'),
        pattern('spl_prop'),
        pattern('a{,3}b$', {
          create: ['reader'],
          read: ['@'],
          update: ['reader'],
          delete: ['reader'],
        }),
      ],
    },
  ),
  noCatchAll: policySpec(
    {},
    { rules: [exact('img_signature'), pattern('^hw_')], catchAll: undefined },
  ),
  noRules: policySpec({}, { rules: [], catchAll: undefined }),
  catchAllOnly: policySpec({}, { rules: [], catchAll: ADMIN_WRITES }),
  policiesFormat: policySpec(
    {
      policy: {
        rules: {
          signature_admin: 'role:admin',
          signer_or_admin: 'role:image_signer or role:admin',
          members: 'role:member',
        },
      },
    },
    {
      format: 'policies',
      rules: [
        exact('img_signature', {
          create: ['signer_or_admin'],
          read: ['@'],
          update: ['signature_admin'],
          delete: ['!'],
        }),
      ],
      catchAll: {
        create: ['members'],
        read: ['@'],
        update: ['members'],
        delete: ['signature_admin'],
      },
    },
  ),
};

function queries(): Query[] {
  return PROPERTIES.flatMap((property) =>
    OPERATIONS.flatMap((operation) =>
      ROLE_SETS.map((roles): Query => [property, operation, roles]),
    ),
  );
}

function renderedCase(id: string, spec: ImageSecurityPolicySpec): GlanceCase {
  const result = renderPolicy(spec);
  if (hasErrors(result) || result.imageService === undefined) {
    throw new Error(`spec ${id} must render: ${JSON.stringify(result.findings)}`);
  }
  return {
    id,
    format: spec.propertyProtection.format,
    conf: result.imageService.data['property-protections.conf']!,
    policyYaml: result.imageService.data['policy.yaml'],
    queries: queries(),
  };
}

/** Files that Glance must reject, each paired with the spec the renderer must reject instead. */
const REJECTED: { id: string; conf: string; spec: ImageSecurityPolicySpec }[] = [
  {
    id: 'duplicate section',
    conf: writeIni([], [section('^a$'), section('^a$')]),
    spec: policySpec({}, { rules: [exact('a'), pattern('^a$')] }),
  },
  {
    id: 'percent in value',
    conf: writeIni([], [section('^a$', 'ad%min')]),
    spec: policySpec({}, { rules: [exact('a', { ...ADMIN_WRITES, create: ['ad%min'] })] }),
  },
  {
    id: '@ with !',
    conf: writeIni([], [section('^a$', '@, !')]),
    spec: policySpec({}, { rules: [exact('a', { ...ADMIN_WRITES, create: ['@', '!'] })] }),
  },
  ...[
    '(?<name>a)',
    'a(?i)b',
    '(?<=a+)b',
    '\\p{L}',
    '\\k<n>',
    '\\u{41}',
    '\\cA',
    '\\z',
    'a)',
    '[a',
  ].map((regex) => ({
    id: `pattern ${regex}`,
    conf: writeIni([], [section(regex)]),
    spec: policySpec({}, { rules: [pattern(regex)] }),
  })),
];

function section(name: string, create = 'admin') {
  return {
    name,
    entries: [
      ['create', create],
      ['read', '@'],
      ['update', 'admin'],
      ['delete', 'admin'],
    ] as const,
  };
}

/** Patterns whose acceptance and matches must agree between the translation and Python's re. */
const PATTERNS = [
  ...Object.values(VALID_SPECS).flatMap((spec) =>
    spec.propertyProtection.rules.map((rule) => rule.pattern ?? ''),
  ),
  '.*',
  '^',
  '$',
  '.+',
  'img_signature$',
  '^img_signature$',
  '^img_signature\\Z',
  '\\Aimg',
  '(?s)^img_signature.$',
  '(?m)^img_signature$',
  '[]a]',
  '[^]a]+$',
  'a{',
  'a{}',
  'a{2}',
  'a{1,}',
  '\\101',
  '\\x41',
  '[\\b]',
  '\\bimg\\b',
  '(a)\\1',
  '(?P<x>a)(?P=x)',
  '(?i:IMG)_signature',
  '(?#note)img',
  'caf\u00e9|\u00e9',
  '\\d+',
  '\\w+\\.\\w+',
  '\\1(a)',
  '(?<n>a)',
  'a(?i)b',
  '(?<=a|bc)x',
  '\\p{L}',
  '\\k<n>',
  '\\x4',
  '\\z',
  '\\cA',
  '[\\A]',
  '(?L)a',
  '(?P<n>a)(?P<n>b)',
  'a)',
  '(a',
  '[a',
  '*a',
  '\\',
  'a{3,1}',
];

describe('rendered files checked with Glance', () => {
  let output: GlanceOutput;
  const validCases = Object.entries(VALID_SPECS).map(([id, spec]) => renderedCase(id, spec));
  const rejectedCases: GlanceCase[] = REJECTED.map(({ id, conf }) => ({
    id,
    format: 'roles',
    conf,
  }));

  beforeAll(() => {
    output = runGlance([...validCases, ...rejectedCases], {
      patterns: PATTERNS,
      names: PROPERTIES,
    });
  }, 120_000);

  it.each(Object.keys(VALID_SPECS))('loads %s without error', (id) => {
    const result = output.cases.find((candidate) => candidate.id === id)!;
    expect(result.loadError).toBeUndefined();
    expect(result.policyError).toBeUndefined();
    expect(result.answers).toHaveLength(queries().length);
  });

  it.each(Object.keys(VALID_SPECS))('answers like the spec for %s', (id) => {
    const spec = VALID_SPECS[id]!;
    const result = output.cases.find((candidate) => candidate.id === id)!;
    const mismatches = queries().filter(
      ([property, operation, roles], index) =>
        result.answers![index] !== expectedAccess(spec, property, operation, roles),
    );
    expect(mismatches).toEqual([]);
  });

  it.each(Object.keys(VALID_SPECS))('policy.yaml reads back unchanged for %s', (id) => {
    const spec = VALID_SPECS[id]!;
    const result = output.cases.find((candidate) => candidate.id === id)!;
    expect(result.policyRules ?? {}).toEqual(spec.policy?.rules ?? {});
  });

  it.each(REJECTED.map(({ id }) => id))('Glance and the renderer both reject %s', (id) => {
    const result = output.cases.find((candidate) => candidate.id === id)!;
    expect(result.loadError).toBeDefined();
    const spec = REJECTED.find((candidate) => candidate.id === id)!.spec;
    expect(hasErrors(renderPolicy(spec))).toBe(true);
  });

  it('translation agrees with Python re', () => {
    const disagreements = output.patterns.flatMap((python) => {
      const analysis = analyzePythonPattern(python.pattern);
      if (python.error !== undefined) {
        return analysis.regExp === undefined ? [] : [`${python.pattern}: accepted, Python rejects`];
      }
      if (analysis.regExp === undefined) {
        return [`${python.pattern}: rejected (${analysis.problems.join('; ')}), Python accepts`];
      }
      return PROPERTIES.filter(
        (name, index) => analysis.regExp!.test(name) !== python.matches![index],
      ).map((name) => `${python.pattern}: differs on ${JSON.stringify(name)}`);
    });
    expect(disagreements).toEqual([]);
  });

  it('matrix covers every query', () => {
    const total = output.cases.reduce((sum, result) => sum + (result.answers?.length ?? 0), 0);
    expect(total).toBe(Object.keys(VALID_SPECS).length * PROPERTIES.length * 4 * ROLE_SETS.length);
  });
});
