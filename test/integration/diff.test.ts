import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import { dump, load } from 'js-yaml';
import type { ImageSecurityPolicy } from '../../src/api/image-security-policy.js';
import { buildConfigMap } from '../../src/manifests/configmap.js';
import { renderPolicy } from '../../src/render/index.js';
import { adminKubeConfig, createNamespace } from '../harness/cluster.js';
import { CONTROL_PLANE_STATE, REPO_ROOT } from '../harness/paths.js';

jest.setTimeout(60_000);

const KUBECONFIG = path.join(CONTROL_PLANE_STATE, 'admin.kubeconfig');
const core = adminKubeConfig().makeApiClient(CoreV1Api);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from source in a child process, as a user would run the built one. */
function cli(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli/main.ts'), ...args],
      { cwd: REPO_ROOT, env: { ...process.env, KUBECONFIG: '' } },
      (error, stdout, stderr) => {
        let code = 0;
        if (error !== null) {
          code = typeof error.code === 'number' ? error.code : -1;
        }
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'diff-test-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Writes the example policy into `namespace` and returns its file and rendered ConfigMaps. */
async function examplePolicy(namespace: string): Promise<{ file: string; desired: V1ConfigMap[] }> {
  const text = await readFile(path.join(REPO_ROOT, 'examples/image-security-policy.yaml'), 'utf8');
  const policy = load(text) as ImageSecurityPolicy;
  policy.metadata.namespace = namespace;
  const file = path.join(folder, `${namespace}.yaml`);
  await writeFile(file, dump(policy));

  const rendered = renderPolicy(policy.spec);
  const desired = [rendered.imageService, rendered.computeService]
    .filter((files) => files !== undefined)
    .map((files) => buildConfigMap(policy, files));
  return { file, desired };
}

describe('diff against a real apiserver', () => {
  it('shows every file as added when ConfigMaps are missing', async () => {
    const namespace = await createNamespace('diff');
    const { file, desired } = await examplePolicy(namespace);

    const result = await cli('diff', file, '--kubeconfig', KUBECONFIG);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    for (const configMap of desired) {
      for (const key of Object.keys(configMap.data ?? {})) {
        const label = `rendered/${namespace}/${configMap.metadata?.name}/${key}`;
        expect(result.stdout).toContain(`--- /dev/null\n+++ ${label}\n@@ -0,0 +1`);
      }
    }
    expect(result.stdout).not.toMatch(/^-[^-]/m);
  });

  it('shows changed, added and removed lines of a hand-made ConfigMap', async () => {
    const namespace = await createNamespace('diff');
    const { file, desired } = await examplePolicy(namespace);
    const imageService = desired[0] as V1ConfigMap;
    const policyYaml = imageService.data?.['policy.yaml'] as string;
    await core.createNamespacedConfigMap({
      namespace,
      body: {
        metadata: { name: imageService.metadata?.name ?? '', namespace },
        data: {
          ...imageService.data,
          'policy.yaml': policyYaml.replace(
            '"publicize_image": "role:admin"',
            '"publicize_image": ""',
          ),
          'extra.conf': 'left over\n',
        },
      },
    });

    const result = await cli('diff', file, '--kubeconfig', KUBECONFIG);

    expect(result.code).toBe(1);
    const prefix = `${namespace}/${imageService.metadata?.name}`;
    expect(result.stdout).toContain(
      `--- live/${prefix}/policy.yaml\n+++ rendered/${prefix}/policy.yaml\n`,
    );
    expect(result.stdout).toContain('\n-"publicize_image": ""\n+"publicize_image": "role:admin"\n');
    expect(result.stdout).toContain(`--- live/${prefix}/extra.conf\n+++ /dev/null\n`);
    expect(result.stdout).toContain('\n-left over\n');
    expect(result.stdout).not.toContain(`live/${prefix}/property-protections.conf`);
    expect(result.stderr).toContain('has no controller owner');
  });

  it('exits 0 when live ConfigMaps match', async () => {
    const namespace = await createNamespace('diff');
    const { file, desired } = await examplePolicy(namespace);
    for (const configMap of desired) {
      await core.createNamespacedConfigMap({ namespace, body: configMap });
    }

    const result = await cli('diff', file, '--kubeconfig', KUBECONFIG, '--context', 'admin');

    expect(result.stdout).toBe('');
    expect(result.code).toBe(0);
  });

  it('exits 2 for an unknown context', async () => {
    const namespace = await createNamespace('diff');
    const { file } = await examplePolicy(namespace);

    const result = await cli('diff', file, '--kubeconfig', KUBECONFIG, '--context', 'nope');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--context "nope" is not in the kubeconfig');
  });

  it('exits 2 for an invalid manifest', async () => {
    const namespace = await createNamespace('diff');
    const { file } = await examplePolicy(namespace);
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('format: roles', 'format: regex'));

    const result = await cli('diff', file, '--kubeconfig', KUBECONFIG);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('spec.propertyProtection.format');
    expect(result.stdout).toBe('');
  });
});
