import { describe, expect, it } from '@jest/globals';
import type { ImageSecurityPolicySpec } from '../../../src/api/image-security-policy.js';
import { renderPolicy, type Finding } from '../../../src/render/index.js';
import { ADMIN_WRITES, exact, OPEN, pattern, policySpec } from './fixtures.js';

function warningsOf(spec: ImageSecurityPolicySpec): Finding[] {
  const result = renderPolicy(spec);
  expect(result.findings.filter((finding) => finding.severity === 'Error')).toEqual([]);
  expect(result.imageService).toBeDefined();
  return result.findings;
}

describe('renderPolicy warnings', () => {
  it('warns about a missing catchAll', () => {
    const findings = warningsOf(policySpec({}, { catchAll: undefined }));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.path).toBe('spec.propertyProtection.catchAll');
    expect(findings[0]!.message).toContain('admin included');
  });

  it('warns that an empty file protects nothing', () => {
    const findings = warningsOf(policySpec({}, { rules: [], catchAll: undefined }));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.message).toContain('no protection');
  });

  it.each(['.*', '^.*$', '.+', '^', '$', 'x*'])('warns that %j shadows later rules', (regex) => {
    const findings = warningsOf(
      policySpec({}, { rules: [pattern(regex), exact('img_signature')], catchAll: undefined }),
    );
    const shadowed = findings.filter((finding) =>
      finding.path.startsWith('spec.propertyProtection.rules[1]'),
    );
    expect(shadowed).toHaveLength(1);
    expect(shadowed[0]!.message).toContain('rules[0]');
  });

  it('warns that .+ makes the catchAll dead', () => {
    const findings = warningsOf(policySpec({}, { rules: [pattern('.+')] }));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.path).toBe('spec.propertyProtection.catchAll');
    expect(findings[0]!.message).toContain('never used');
  });

  it('warns about an exact name an earlier pattern takes', () => {
    const findings = warningsOf(
      policySpec({}, { rules: [pattern('^img_'), exact('img_signature')] }),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]!.path).toBe('spec.propertyProtection.rules[1].property');
    expect(findings[0]!.message).toContain('"img_signature"');
  });

  it('does not warn about unrelated patterns', () => {
    expect(
      warningsOf(policySpec({}, { rules: [pattern('^hw_'), exact('img_signature')] })),
    ).toEqual([]);
  });

  it('warns about update without read', () => {
    const findings = warningsOf(
      policySpec(
        {},
        {
          rules: [
            exact('img_signature', {
              create: ['admin'],
              read: ['admin'],
              update: ['member', 'Admin'],
              delete: ['!'],
            }),
          ],
        },
      ),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]!.path).toBe('spec.propertyProtection.rules[0].update');
    expect(findings[0]!.message).toContain('"member"');
    expect(findings[0]!.message).not.toContain('"Admin"');
  });

  it('warns about delete for everyone when read is denied', () => {
    const findings = warningsOf(
      policySpec({}, { rules: [exact('x', { ...OPEN, read: ['!'], update: ['!'] })] }),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]!.path).toBe('spec.propertyProtection.rules[0].delete');
    expect(findings[0]!.message).toContain('every role');
  });

  it('warns about roles listed beside @', () => {
    const findings = warningsOf(
      policySpec({}, { rules: [exact('x', { ...ADMIN_WRITES, read: ['@', 'admin'] })] }),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]!.path).toBe('spec.propertyProtection.rules[0].read');
  });

  it.each(['^(a+)+$', '(x|xy)*z', '(a)\\1', 'a.*b.*c.*d.*e'])(
    'warns about backtracking in %j',
    (regex) => {
      const findings = warningsOf(policySpec({}, { rules: [pattern(regex)] }));
      expect(findings).toHaveLength(1);
      expect(findings[0]!.path).toBe('spec.propertyProtection.rules[0].pattern');
      expect(findings[0]!.message).toContain('exponential');
    },
  );

  it('does not run a backtracking pattern on names', () => {
    const started = performance.now();
    const spec = policySpec({}, { rules: [pattern('^(a+)+$'), exact(`${'a'.repeat(40)}!`)] });
    const findings = warningsOf(spec);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(findings.map((finding) => finding.path)).toEqual([
      'spec.propertyProtection.rules[0].pattern',
    ]);
  });

  it.each([
    '^img_signature',
    '^hw_(firmware|machine)_type$',
    '^img_signature(_hash_method|_key_type)?$',
    '^[a-z]+_\\d{1,3}$',
  ])('does not flag %j', (regex) => {
    expect(warningsOf(policySpec({}, { rules: [pattern(regex)] }))).toEqual([]);
  });

  it('warns about an empty policy rule', () => {
    const findings = warningsOf(policySpec({ policy: { rules: { communitize_image: '' } } }));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.path).toBe('spec.policy.rules.communitize_image');
    expect(findings[0]!.message).toContain('allows everyone');
    expect(findings[0]!.message).toContain('"!"');
  });

  it('warns about certificate validation without verification', () => {
    const spec = policySpec({
      computeSignatureVerification: {
        verifyGlanceSignatures: false,
        enableCertificateValidation: true,
      },
      targets: { imageService: { configMapName: 'g' }, computeService: { configMapName: 'n' } },
    });
    const findings = warningsOf(spec);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.path).toBe('spec.computeSignatureVerification.enableCertificateValidation');
  });
});
