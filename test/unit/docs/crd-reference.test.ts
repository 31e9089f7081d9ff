import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  CRD_REFERENCE_PATH,
  formattedCrdReference,
  renderCrdReference,
} from '../../../hack/crd-reference.js';
import { REPO_ROOT } from '../../harness/paths.js';

const generated = renderCrdReference();

describe('docs/crd-reference.md', () => {
  it('matches the schemas in src/api', async () => {
    const committed = readFileSync(path.join(REPO_ROOT, 'docs/crd-reference.md'), 'utf8');
    expect(CRD_REFERENCE_PATH).toBe(path.join(REPO_ROOT, 'docs/crd-reference.md'));
    // On failure, run `npx tsx hack/generate-docs.ts` and commit the result.
    expect(committed).toBe(await formattedCrdReference());
  });

  it('documents both kinds', () => {
    expect(generated).toContain('\n## ImageSecurityPolicy\n');
    expect(generated).toContain('\n## SignedImage\n');
  });

  it('shows defaults, enums and limits', () => {
    expect(generated).toMatch(
      /\| `spec\.propertyProtection\.format` \| string \| \*defaulted\* \| `"roles"` \| `roles`, `policies` \|/,
    );
    expect(generated).toContain('| `spec.signature.value` | string | yes |  |  | length 4..8192;');
  });

  it('lists the CEL rules', () => {
    expect(generated).toContain(
      '| `spec.propertyProtection.rules[]` | set exactly one of property or pattern |',
    );
  });

  it('escapes pipes inside table cells', () => {
    const rows = generated
      .split('\n')
      .filter((line) => line.startsWith('| `spec.reverifyInterval`'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('(s\\|m\\|h)');
  });
});
