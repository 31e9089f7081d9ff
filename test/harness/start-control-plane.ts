import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { applyObjects, waitForCrdsEstablished } from '../../src/manifests/apply.js';
import { adminKubeConfig } from './cluster.js';
import { CONTROL_PLANE_SCRIPT, CONTROL_PLANE_STATE, REPO_ROOT } from './paths.js';

const run = promisify(execFile);

/** Starts the test control plane once for all integration tests and installs the CRDs. */
export async function startControlPlane(): Promise<void> {
  const started = Date.now();
  await run(CONTROL_PLANE_SCRIPT, ['up', CONTROL_PLANE_STATE], { timeout: 30 * 60_000 });

  const folder = path.join(REPO_ROOT, 'crds');
  const crds: KubernetesObject[] = [];
  for (const file of (await readdir(folder)).filter((f) => f.endsWith('.yaml')).sort()) {
    const object = load(await readFile(path.join(folder, file), 'utf8')) as KubernetesObject;
    if (object.kind === 'CustomResourceDefinition') {
      crds.push(object);
    }
  }
  const kc = adminKubeConfig();
  await applyObjects(kc, crds);
  await waitForCrdsEstablished(
    kc,
    crds.map((crd) => crd.metadata?.name ?? ''),
  );
  process.stderr.write(`\ncontrol plane ready in ${Date.now() - started} ms\n`);
}
