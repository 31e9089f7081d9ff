import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { CATALOG_REASON } from '../../../src/controllers/catalog/reasons.js';
import { REASON as POLICY_REASON } from '../../../src/controllers/policy/conditions.js';
import { REASON as SIGNED_IMAGE_REASON } from '../../../src/controllers/signed-image/reasons.js';
import { CONFIG_MAP_CONFLICT } from '../../../src/kube/configmaps.js';
import { WORKLOAD_NOT_FOUND } from '../../../src/kube/workloads.js';
import { OperatorMetrics } from '../../../src/server/metrics.js';
import type { VerificationReason } from '../../../src/signature/result.js';
import { REPO_ROOT } from '../../harness/paths.js';

const operations = readFileSync(path.join(REPO_ROOT, 'docs/operations.md'), 'utf8');

/**
 * Verdict reasons of verifyImageStream. The type has no runtime list, so they
 * are keys here, and `satisfies` fails the type check when the type gains one.
 */
const VERIFICATION_REASONS = Object.keys({
  Verified: true,
  SignatureMismatch: true,
  UnsupportedKeyType: true,
  KeyTypeMismatch: true,
  InvalidSignature: true,
  InvalidHashMethod: true,
  CertificateInvalid: true,
  CertificateExpired: true,
  CertificateNotYetValid: true,
  UntrustedCertificate: true,
} satisfies Record<VerificationReason, true>);

describe('docs/operations.md', () => {
  it('lists every operator metric', async () => {
    const metrics = new OperatorMetrics({ processMetrics: false });
    const names = (await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name);
    expect(names.length).toBeGreaterThan(0);
    const missing = names.filter((name) => !operations.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('explains every policy reason', () => {
    const reasons = [...Object.values(POLICY_REASON), CONFIG_MAP_CONFLICT, WORKLOAD_NOT_FOUND];
    const missing = reasons.filter((reason) => !operations.includes(`| \`${reason}\``));
    expect(missing).toEqual([]);
  });

  it('explains every SignedImage reason', () => {
    const reasons = [...Object.values(SIGNED_IMAGE_REASON), ...VERIFICATION_REASONS];
    const missing = reasons.filter((reason) => !operations.includes(`| \`${reason}\``));
    expect(missing).toEqual([]);
  });

  it('explains every catalog reason', () => {
    const missing = Object.values(CATALOG_REASON).filter(
      (reason) => !operations.includes(`| \`${reason}\``),
    );
    expect(missing).toEqual([]);
  });
});
