// Benchmarks the ImageSecurityPolicy controller on a local kube-apiserver:
//
// 1. Latency from a spec update to the ConfigMap written and the workload
//    patched, over many policies. The baseline, measured in the same run, is
//    a bare merge patch of a ConfigMap seen back through a watch, which is the
//    fastest any controller could react to a change.
// 2. Writes the operator makes during no-op resyncs of every policy, counted
//    from the apiserver's audit log (target: zero).
//
// Usage: node --import tsx bench/policy-controller.ts [--policies 1000] [--updates 200]
// Prints a markdown section for BENCHMARKS.md.
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type ListPromise,
} from '@kubernetes/client-node';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    policies: { type: 'string', default: '1000' },
    updates: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '16' },
  },
});
const POLICIES = Number(values.policies);
const UPDATES = Math.min(Number(values.updates), POLICIES);
const CONCURRENCY = Number(values.concurrency);

const root = path.resolve(import.meta.dirname, '..');
process.env.ISO_CONTROL_PLANE_STATE ??= path.join(root, '.test-output', 'bench-control-plane');
const state = process.env.ISO_CONTROL_PLANE_STATE;

const { startControlPlane } = await import('../test/harness/start-control-plane.js');
const { adminKubeConfig, operatorKubeConfig, auditEvents } =
  await import('../test/harness/cluster.js');
const { GROUP, VERSION, IMAGE_SECURITY_POLICY } = await import('../src/api/group.js');
const { RESTART_HASH_ANNOTATION, CONTENT_HASH_ANNOTATION } =
  await import('../src/manifests/configmap.js');
const { startManager } = await import('../src/controllers/manager.js');
const { createLogger } = await import('../src/log.js');

const NAMESPACE = 'bench';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? NaN;
}

function summary(samples: number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, x) => sum + x, 0) / sorted.length;
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean };
}

async function inBatches<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += CONCURRENCY) {
    await Promise.all(items.slice(i, i + CONCURRENCY).map(work));
  }
}

function policyBody(index: number, generation: number): Record<string, unknown> {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: IMAGE_SECURITY_POLICY.kind,
    metadata: { name: `policy-${index}`, namespace: NAMESPACE },
    spec: {
      propertyProtection: {
        format: 'roles',
        rules: [
          // Renaming this section changes the restart hash, so every update rolls the workload.
          {
            property: `bench_property_v${generation}`,
            create: ['admin'],
            read: ['@'],
            update: ['admin'],
            delete: ['admin'],
          },
        ],
        catchAll: { create: ['@'], read: ['@'], update: ['@'], delete: ['@'] },
      },
      policy: { rules: { publicize_image: 'role:admin' } },
      targets: {
        imageService: {
          configMapName: `glance-security-${index}`,
          workloads: [{ kind: 'Deployment', name: `glance-api-${index}` }],
        },
      },
    },
  };
}

function deploymentBody(index: number): Record<string, unknown> {
  const labels = { app: `glance-api-${index}` };
  return {
    metadata: { name: `glance-api-${index}`, namespace: NAMESPACE },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'glance-api', image: 'glance-api:bench' }] },
      },
    },
  };
}

/**
 * Records when each named object was first seen satisfying a predicate. An
 * informer is used instead of a bare watch because the apiserver closes
 * watches after its request timeout and the informer reconnects.
 */
class WatchTimes {
  readonly seen = new Map<string, number>();
  private readonly waiting = new Map<string, (object: any) => boolean>();
  private readonly informer: Informer<KubernetesObject>;

  constructor(kc: KubeConfig, watchPath: string, list: ListPromise<KubernetesObject>) {
    this.informer = makeInformer(kc, watchPath, list);
    const observe = (object: KubernetesObject): void => {
      const name = object.metadata?.name ?? '';
      const predicate = this.waiting.get(name);
      if (predicate !== undefined && predicate(object)) {
        this.seen.set(name, performance.now());
        this.waiting.delete(name);
      }
    };
    this.informer.on('add', observe);
    this.informer.on('update', observe);
    this.informer.on('error', () => {
      setTimeout(() => void this.informer.start(), 500);
    });
  }

  async start(): Promise<void> {
    await this.informer.start();
  }

  expect(name: string, predicate: (object: any) => boolean): void {
    this.seen.delete(name);
    this.waiting.set(name, predicate);
  }

  async waitAll(names: readonly string[], timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (names.some((name) => !this.seen.has(name))) {
      if (Date.now() > deadline) {
        const missing = names.filter((name) => !this.seen.has(name)).length;
        throw new Error(`timed out waiting for ${missing} objects`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async stop(): Promise<void> {
    await this.informer.stop();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  await startControlPlane();
  const admin = adminKubeConfig();
  const core = admin.makeApiClient(CoreV1Api);
  const apps = admin.makeApiClient(AppsV1Api);
  const custom = admin.makeApiClient(CustomObjectsApi);
  await core.createNamespace({ body: { metadata: { name: NAMESPACE } } }).catch(() => undefined);
  process.stderr.write(`control plane ready after ${Date.now() - started} ms\n`);

  const indexes = Array.from({ length: POLICIES }, (_, i) => i);
  await inBatches(indexes, async (i) => {
    await apps.createNamespacedDeployment({ namespace: NAMESPACE, body: deploymentBody(i) });
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: NAMESPACE,
      plural: IMAGE_SECURITY_POLICY.plural,
      body: policyBody(i, 0),
    });
  });
  process.stderr.write(`created ${POLICIES} Deployments and policies\n`);

  const manager = await startManager(operatorKubeConfig(), {
    log: createLogger({ level: 'warn' }),
    namespace: NAMESPACE,
    resyncPeriodMs: 24 * 3600_000,
  });

  // Initial reconcile of every policy: wait for every Deployment to carry a restart hash.
  const deployments = new WatchTimes(
    admin,
    `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`,
    () => apps.listNamespacedDeployment({ namespace: NAMESPACE }),
  );
  const configMaps = new WatchTimes(admin, `/api/v1/namespaces/${NAMESPACE}/configmaps`, () =>
    core.listNamespacedConfigMap({ namespace: NAMESPACE }),
  );
  await deployments.start();
  await configMaps.start();
  const initialStart = performance.now();
  const { items } = await apps.listNamespacedDeployment({ namespace: NAMESPACE });
  const pending = items
    .filter((d) => d.spec?.template.metadata?.annotations?.[RESTART_HASH_ANNOTATION] === undefined)
    .map((d) => d.metadata?.name ?? '');
  for (const name of pending) {
    deployments.expect(
      name,
      (d) => d.spec?.template?.metadata?.annotations?.[RESTART_HASH_ANNOTATION] !== undefined,
    );
  }
  const progress = setInterval(() => {
    const done = pending.filter((name) => deployments.seen.has(name)).length;
    process.stderr.write(`initial reconcile: ${done}/${pending.length}\n`);
  }, 15_000);
  await deployments.waitAll(pending, 1_800_000);
  clearInterval(progress);
  const initialMs = performance.now() - initialStart;
  process.stderr.write(
    `initial reconcile of ${POLICIES} policies done in ${initialMs.toFixed(0)} ms\n`,
  );

  // Baseline: a bare ConfigMap patch seen back through a watch.
  const baseline: number[] = [];
  for (const i of indexes.slice(0, UPDATES)) {
    const name = `baseline-${i}`;
    await core.createNamespacedConfigMap({
      namespace: NAMESPACE,
      body: { metadata: { name }, data: { v: '0' } },
    });
    configMaps.expect(name, (cm) => cm.data?.v === '1');
    const t0 = performance.now();
    await core.patchNamespacedConfigMap(
      { name, namespace: NAMESPACE, body: { data: { v: '1' } } },
      mergePatch,
    );
    await configMaps.waitAll([name]);
    baseline.push((configMaps.seen.get(name) ?? NaN) - t0);
  }

  // Operator: one spec update at a time, timed until the ConfigMap and the Deployment changed.
  const toConfigMap: number[] = [];
  const toWorkload: number[] = [];
  for (const i of indexes.slice(0, UPDATES)) {
    const cmName = `glance-security-${i}`;
    const deployName = `glance-api-${i}`;
    const before = await apps.readNamespacedDeployment({ name: deployName, namespace: NAMESPACE });
    const oldToken = before.spec?.template.metadata?.annotations?.[RESTART_HASH_ANNOTATION];
    const oldCm = await core.readNamespacedConfigMap({ name: cmName, namespace: NAMESPACE });
    const oldHash = oldCm.metadata?.annotations?.[CONTENT_HASH_ANNOTATION];
    configMaps.expect(
      cmName,
      (cm) => cm.metadata?.annotations?.[CONTENT_HASH_ANNOTATION] !== oldHash,
    );
    deployments.expect(
      deployName,
      (d) => d.spec?.template?.metadata?.annotations?.[RESTART_HASH_ANNOTATION] !== oldToken,
    );
    const t0 = performance.now();
    await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: NAMESPACE,
        plural: IMAGE_SECURITY_POLICY.plural,
        name: `policy-${i}`,
        body: { spec: (policyBody(i, 1) as { spec: unknown }).spec },
      },
      mergePatch,
    );
    await configMaps.waitAll([cmName]);
    await deployments.waitAll([deployName]);
    toConfigMap.push((configMaps.seen.get(cmName) ?? NaN) - t0);
    toWorkload.push((deployments.seen.get(deployName) ?? NaN) - t0);
  }

  // No-op resyncs: let the queue settle, then enqueue every policy and count the operator's writes.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const since = new Date();
  const resyncStart = performance.now();
  for (const i of indexes) {
    manager.queue.add(`${NAMESPACE}/policy-${i}`);
  }
  while (manager.queue.depth > 0 || manager.queue.inFlight > 0) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const resyncMs = performance.now() - resyncStart;
  const writes = await auditEvents({ user: 'operator', since, writesOnly: true });

  await deployments.stop();
  await configMaps.stop();
  await manager.stop();
  await run(path.join(root, 'hack/control-plane.sh'), ['down', state]);

  const base = summary(baseline);
  const cm = summary(toConfigMap);
  const wl = summary(toWorkload);
  const fmt = (ms: number): string => ms.toFixed(1);
  const ratio = (ms: number, against: number): string => (ms / against).toFixed(1);
  process.stdout.write(`## Policy controller: update latency and no-op resyncs

Run: \`node --import tsx bench/policy-controller.ts --policies ${POLICIES} --updates ${UPDATES}\`
on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${new Date().toISOString().slice(0, 10)},
kube-apiserver and etcd on 127.0.0.1, ${POLICIES} policies each with one Deployment.
The baseline is a bare ConfigMap merge patch seen back through a watch, in the same run.

| measurement | p50 ms | p99 ms | mean ms | p50 vs baseline |
|---|---|---|---|---|
| baseline: ConfigMap patch to watch event | ${fmt(base.p50)} | ${fmt(base.p99)} | ${fmt(base.mean)} | 1.0x |
| spec update to ConfigMap written | ${fmt(cm.p50)} | ${fmt(cm.p99)} | ${fmt(cm.mean)} | ${ratio(cm.p50, base.p50)}x |
| spec update to Deployment patched | ${fmt(wl.p50)} | ${fmt(wl.p99)} | ${fmt(wl.mean)} | ${ratio(wl.p50, base.p50)}x |

- Initial reconcile of ${POLICIES} new policies: ${(initialMs / 1000).toFixed(1)} s.
- No-op resync of all ${POLICIES} policies: **${writes.length} writes** (target 0), in ${(resyncMs / 1000).toFixed(1)} s.
`);
}

await main();
