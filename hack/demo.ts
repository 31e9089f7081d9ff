// Walks a newcomer through the operator on a local control plane: installs the
// CRDs, starts the operator as a child process, applies examples/, and prints
// the status, the rendered files and the workload annotation it produced.
// With an OpenStack lab state folder as second argument, it also signs an
// image, uploads it to the lab's Glance and shows a SignedImage verified, then
// one that fails and is deactivated.
// Usage: node --import tsx hack/demo.ts STATE_DIR [LAB_STATE_DIR] (hack/demo.sh does this).
import { spawn, spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';
import { GROUP, IMAGE_SECURITY_POLICY, VERSION } from '../src/api/group.js';
import { signedImageDemo as runSignedImageDemo } from './demo-signed-image.js';
import { applyObjects, waitForCrdsEstablished } from '../src/manifests/apply.js';

const state = process.argv[2];
const labState = process.argv[3];
if (state === undefined) {
  throw new Error('usage: demo.ts STATE_DIR [OPENSTACK_LAB_STATE_DIR]');
}
const root = path.resolve(import.meta.dirname, '..');
const admin = new KubeConfig();
admin.loadFromFile(path.join(state, 'admin.kubeconfig'));

async function signedImageDemo(lab: string): Promise<void> {
  await runSignedImageDemo({ admin, root, labState: lab, heading, waitFor, printStatus });
}

function heading(text: string): void {
  process.stdout.write(`\n=== ${text}\n`);
}

async function readManifests(folder: string): Promise<KubernetesObject[]> {
  const objects: KubernetesObject[] = [];
  for (const file of (await readdir(folder)).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of loadAll(await readFile(path.join(folder, file), 'utf8'))) {
      if (doc !== null && typeof doc === 'object') {
        objects.push(doc);
      }
    }
  }
  return objects;
}

/** Orders objects so that CRDs and namespaces exist before what uses them. */
function applyOrder(object: KubernetesObject): number {
  if (object.kind === 'CustomResourceDefinition') return 0;
  if (object.kind === 'Namespace') return 1;
  return 2;
}

async function readPolicy(): Promise<Record<string, any>> {
  return (await admin.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: 'openstack',
    plural: IMAGE_SECURITY_POLICY.plural,
    name: 'xloud-image-service',
  })) as Record<string, any>;
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after 90 s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function waitForReconciled(generation: number): Promise<Record<string, any>> {
  return waitFor('the policy to be reconciled', async () => {
    const policy = await readPolicy();
    const ready = (policy.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
    return policy.status?.observedGeneration >= generation && ready !== undefined
      ? policy
      : undefined;
  });
}

function printStatus(policy: Record<string, any>): void {
  const status = policy.status ?? {};
  for (const condition of status.conditions ?? []) {
    process.stdout.write(
      `  ${condition.type.padEnd(18)} ${condition.status.padEnd(6)} ${condition.reason}: ${condition.message}\n`,
    );
  }
  if (status.lastRedeploy !== undefined) {
    process.stdout.write(`  lastRedeploy: ${JSON.stringify(status.lastRedeploy)}\n`);
  }
  for (const finding of status.findings ?? []) {
    process.stdout.write(`  ${finding.severity} ${finding.path}: ${finding.message}\n`);
  }
}

async function printRolloutAnnotation(): Promise<void> {
  const deployment = await admin
    .makeApiClient(AppsV1Api)
    .readNamespacedDeployment({ name: 'glance-api', namespace: 'openstack' });
  const annotations = deployment.spec?.template.metadata?.annotations ?? {};
  process.stdout.write(`  glance-api pod template annotations: ${JSON.stringify(annotations)}\n`);
}

const crds = await readManifests(path.join(root, 'crds'));
heading('Installing the CRDs');
await applyObjects(
  admin,
  crds.filter((o) => o.kind === 'CustomResourceDefinition'),
);
await waitForCrdsEstablished(
  admin,
  crds.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata?.name ?? ''),
);
process.stdout.write('  imagesecuritypolicies and signedimages are served\n');

heading('Starting the operator (image-security-operator run)');
const operator = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    path.join(root, 'src/cli/main.ts'),
    'run',
    '--kubeconfig',
    path.join(state, 'operator.kubeconfig'),
  ],
  { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
);
const operatorExited = new Promise<void>((resolve) => operator.on('exit', () => resolve()));
const stopOperator = async (): Promise<void> => {
  operator.kill('SIGTERM');
  await operatorExited;
};
process.on('exit', () => operator.kill('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    operator.kill('SIGTERM');
    process.exit(130);
  });
}

try {
  heading('Applying examples/');
  const examples = (await readManifests(path.join(root, 'examples'))).sort(
    (a, b) => applyOrder(a) - applyOrder(b),
  );
  for (const object of await applyObjects(admin, examples)) {
    process.stdout.write(`  applied ${object.kind} ${object.metadata?.name}\n`);
  }

  heading('Policy status');
  const first = await waitForReconciled(1);
  printStatus(first);

  heading('Rendered ConfigMap glance-security');
  const configMap = await admin
    .makeApiClient(CoreV1Api)
    .readNamespacedConfigMap({ name: 'glance-security', namespace: 'openstack' });
  for (const [key, value] of Object.entries(configMap.data ?? {})) {
    process.stdout.write(`--- ${key}\n${value}`);
  }
  await printRolloutAnnotation();

  heading('Changing a policy.yaml rule value (Glance reloads it live, so nothing restarts)');
  await admin.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
    {
      group: GROUP,
      version: VERSION,
      namespace: 'openstack',
      plural: IMAGE_SECURITY_POLICY.plural,
      name: 'xloud-image-service',
      body: {
        spec: {
          policy: {
            rules: { ...first.spec.policy.rules, publicize_image: 'role:admin or role:publisher' },
          },
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  printStatus(await waitForReconciled(2));
  await printRolloutAnnotation();

  heading('The vendor guide as written (examples-invalid/), checked offline');
  const validate = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'validate', 'examples-invalid'],
    { cwd: root, encoding: 'utf8' },
  );
  process.stdout.write(validate.stdout);
  process.stdout.write(`  validate exited with ${validate.status}\n`);

  heading('The same policy applied to the cluster');
  const [asWritten] = await readManifests(path.join(root, 'examples-invalid'));
  if (asWritten !== undefined) {
    await applyObjects(admin, [asWritten]);
    const rejected = await waitFor('the as-written policy to be reconciled', async () => {
      const policy = (await admin.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: 'openstack',
        plural: IMAGE_SECURITY_POLICY.plural,
        name: 'vendor-guide-as-written',
      })) as Record<string, any>;
      return policy.status?.conditions === undefined ? undefined : policy;
    });
    printStatus(rejected);
    const written = await admin
      .makeApiClient(CoreV1Api)
      .readNamespacedConfigMap({ name: 'glance-security-as-written', namespace: 'openstack' })
      .then(
        () => true,
        () => false,
      );
    process.stdout.write(
      written ? '  UNEXPECTED: a ConfigMap was written\n' : '  no ConfigMap was written for it\n',
    );
  }
  if (labState !== undefined) {
    await signedImageDemo(labState);
  }

  heading('Done');
  process.stdout.write(
    'Try the CLI: export PATH="$(hack/ensure-node.sh):$PATH", then\n' +
      '  npx tsx src/cli/main.ts render examples/\n' +
      '  npx tsx src/cli/main.ts validate examples-invalid/\n',
  );
} finally {
  await stopOperator();
}
