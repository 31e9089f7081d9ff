import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { checkManifests } from '../../../src/cli/check-manifests.js';
import { countErrors } from '../../../src/cli/output.js';
import {
  loadManifests,
  ManifestError,
  type ManifestDocument,
} from '../../../src/manifests/load.js';
import { REPO_ROOT } from '../../harness/paths.js';

const run = promisify(execFile);

function examplePolicy(): Record<string, any> {
  return {
    apiVersion: 'imagesecurity.xloud.io/v1alpha1',
    kind: 'ImageSecurityPolicy',
    metadata: { name: 'example', namespace: 'openstack' },
    spec: {
      propertyProtection: {
        rules: [
          {
            property: 'img_signature',
            create: ['admin'],
            read: ['@'],
            update: ['admin'],
            delete: ['admin'],
          },
        ],
        catchAll: { create: ['@'], read: ['@'], update: ['@'], delete: ['@'] },
      },
      targets: { imageService: { configMapName: 'glance-security' } },
    },
  };
}

function documents(...docs: Record<string, any>[]): ManifestDocument[] {
  return docs.map((doc, index) => ({ source: 'test.yaml', index, doc }));
}

function messages(docs: ManifestDocument[]): string[] {
  return checkManifests(docs, 'default').flatMap((r) =>
    r.findings.map((f) => `${f.severity} ${f.path}: ${f.message}`),
  );
}

describe('checkManifests', () => {
  it('accepts a valid policy and fills in defaults', () => {
    const [result] = checkManifests(documents(examplePolicy()), 'default');
    expect(result?.findings).toEqual([]);
    expect(result?.rendered?.imageService?.data['glance-api-property-protection.conf']).toContain(
      'property_protection_rule_format = roles',
    );
  });

  it('reports an enum error with the choices', () => {
    const policy = examplePolicy();
    policy.spec.propertyProtection.format = 'regex';
    const found = messages(documents(policy));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('spec.propertyProtection.format');
    expect(found[0]).toContain('roles, policies');
  });

  it('reports an unknown field', () => {
    const policy = examplePolicy();
    policy.spec.targets.imageService.configmapName = 'glance-security';
    delete policy.spec.targets.imageService.configMapName;
    const found = messages(documents(policy));
    expect(found).toContain(
      'Error spec.targets.imageService.configmapName: unknown field: did you mean configMapName?',
    );
    expect(found).toContain(
      'Error spec.targets.imageService.configMapName: missing: this field is required',
    );
    expect(found).toHaveLength(2);
  });

  it('evaluates CEL rules offline', () => {
    const policy = examplePolicy();
    policy.spec.propertyProtection.rules[0].pattern = '^img_';
    expect(messages(documents(policy)).join('\n')).toContain(
      'set exactly one of property or pattern',
    );
  });

  it('reports rendering errors with the fix', () => {
    const policy = examplePolicy();
    policy.spec.policy = { rules: { deactivate_image: 'role:admin' } };
    const found = messages(documents(policy));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('spec.policy.rules.deactivate_image');
    expect(found[0]).toContain('did you mean "deactivate"');
  });

  it('rejects two policies writing one ConfigMap', () => {
    const second = examplePolicy();
    second.metadata.name = 'second';
    const results = checkManifests(documents(examplePolicy(), second), 'default');
    expect(countErrors(results)).toBe(1);
    expect(results[1]?.findings[0]?.message).toContain('also written by ImageSecurityPolicy');
  });

  it('warns about a SignedImage naming a missing policy', () => {
    const signedImage = {
      apiVersion: 'imagesecurity.xloud.io/v1alpha1',
      kind: 'SignedImage',
      metadata: { name: 'ubuntu', namespace: 'openstack' },
      spec: {
        policyRef: { name: 'absent' },
        image: { id: '6b0f2e4c-2a61-4c51-9d2e-3f4a5b6c7d8e' },
        signature: { value: 'AAAA', hashMethod: 'SHA-256', keyType: 'RSA-PSS' },
        certificate: { barbicanSecretId: '0d7c2f9e-1b3a-4c5d-8e6f-7a8b9c0d1e2f' },
        onFailure: 'Report',
      },
    };
    const found = messages(documents(examplePolicy(), signedImage));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^Warning spec.policyRef/);
    expect(found[0]).toContain('absent');
  });

  it('ignores documents of other kinds', () => {
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } };
    expect(checkManifests(documents(configMap), 'default')).toEqual([]);
  });
});

describe('loadManifests', () => {
  it('reads multi-document stdin', async () => {
    const text = 'kind: A\n---\n---\nkind: B\n';
    const docs = await loadManifests(['-'], () => Promise.resolve(text));
    expect(docs.map((d) => d.doc.kind)).toEqual(['A', 'B']);
  });

  it('expands List documents', async () => {
    const text = 'kind: List\nitems:\n- kind: A\n- kind: B\n';
    const docs = await loadManifests(['-'], () => Promise.resolve(text));
    expect(docs.map((d) => d.doc.kind)).toEqual(['A', 'B']);
  });

  it('rejects invalid YAML with the source', async () => {
    const load = loadManifests(['-'], () => Promise.resolve('a: [unclosed\n'));
    await expect(load).rejects.toBeInstanceOf(ManifestError);
    await expect(load).rejects.toThrow('<stdin>');
  });
});

describe('validate command', () => {
  const cli = path.join(REPO_ROOT, 'src/cli/main.ts');

  it('exits 0 on the examples', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', cli, 'validate', 'examples'],
      {
        cwd: REPO_ROOT,
      },
    );
    expect(stdout).toContain('0 errors');
  }, 60_000);

  it('exits 1 on the vendor guide as written', async () => {
    const result = await run(
      process.execPath,
      ['--import', 'tsx', cli, 'validate', '--output', 'json', 'examples-invalid'],
      { cwd: REPO_ROOT },
    ).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('write property: img_signature');
  }, 60_000);

  it('exits 2 when nothing is found', async () => {
    const result = await run(
      process.execPath,
      ['--import', 'tsx', cli, 'validate', 'deploy/overlays'],
      { cwd: REPO_ROOT },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no ImageSecurityPolicy or SignedImage found');
  }, 60_000);

  it('exits 2 on a missing file', async () => {
    const result = await run(
      process.execPath,
      ['--import', 'tsx', cli, 'validate', 'does-not-exist.yaml'],
      { cwd: REPO_ROOT },
    ).then(
      () => ({ code: 0 }),
      (error: { code: number }) => error,
    );
    expect(result.code).toBe(2);
  }, 60_000);
});
