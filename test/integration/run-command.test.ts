import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { createNamespace } from '../harness/cluster.js';
import { CONTROL_PLANE_STATE, REPO_ROOT } from '../harness/paths.js';

/** Starts `run` as a child process and resolves once its caches are synced. */
function startOperator(namespace: string, extraArgs: string[] = []) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(REPO_ROOT, 'src/cli/main.ts'),
      'run',
      '--kubeconfig',
      path.join(CONTROL_PLANE_STATE, 'operator.kubeconfig'),
      '--namespace',
      namespace,
      '--metrics-port',
      '0',
      ...extraArgs,
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const synced = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('caches synced')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`run exited early with ${code}: ${output}`)));
  });
  const exited = new Promise<{ code: number | null; ms: number }>((resolve) => {
    child.on('exit', (code) => resolve({ code, ms: performance.now() - stopAt }));
  });
  let stopAt = 0;
  const stop = () => {
    stopAt = performance.now();
    child.kill('SIGTERM');
    return exited;
  };
  return { child, synced, stop, output: () => output };
}

describe('run command', () => {
  it('exits 0 soon after SIGTERM', async () => {
    const namespace = await createNamespace('run');
    const operator = startOperator(namespace);
    try {
      await operator.synced;
      const { code, ms } = await operator.stop();
      expect(code).toBe(0);
      expect(ms).toBeLessThan(10_000);
      expect(operator.output()).toContain('"msg":"stopped"');
    } finally {
      operator.child.kill('SIGKILL');
    }
  }, 60_000);

  it('exits 0 after SIGTERM with leader election', async () => {
    const namespace = await createNamespace('run');
    const operator = startOperator(namespace, [
      '--leader-elect',
      '--leader-election-namespace',
      namespace,
    ]);
    try {
      await operator.synced;
      const { code, ms } = await operator.stop();
      expect(code).toBe(0);
      expect(ms).toBeLessThan(10_000);
    } finally {
      operator.child.kill('SIGKILL');
    }
  }, 60_000);
});
