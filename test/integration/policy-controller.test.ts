import { afterEach, describe, expect, it, jest } from '@jest/globals';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
} from '@kubernetes/client-node';
import { GROUP, IMAGE_SECURITY_POLICY, VERSION } from '../../src/api/group.js';
import type { ImageSecurityPolicy } from '../../src/api/image-security-policy.js';
import { startManager, type ManagerHandle } from '../../src/controllers/manager.js';
import { createLogger } from '../../src/log.js';
import {
  adminKubeConfig,
  auditEvents,
  createNamespace,
  eventually,
  operatorKubeConfig,
  startApiServer,
  stopApiServer,
} from '../harness/cluster.js';

const RESTART_HASH = 'imagesecurity.xloud.io/restart-hash';
const CONTENT_HASH = 'imagesecurity.xloud.io/content-hash';
const CONFIG_MAP = 'glance-security';
const DEPLOYMENT = 'glance-api';

const admin = adminKubeConfig();
const core = admin.makeApiClient(CoreV1Api);
const apps = admin.makeApiClient(AppsV1Api);
const batch = admin.makeApiClient(BatchV1Api);
const custom = admin.makeApiClient(CustomObjectsApi);
const eventsApi = admin.makeApiClient(EventsV1Api);
const log = createLogger({ level: process.env.LOG_LEVEL ?? 'silent' });

jest.setTimeout(60_000);

const running: ManagerHandle[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((manager) => manager.stop()));
});

async function startController(
  namespace: string,
  resyncPeriodMs = 600_000,
): Promise<ManagerHandle> {
  const manager = await startManager(operatorKubeConfig(), {
    log,
    namespace,
    resyncPeriodMs,
    workers: 2,
  });
  running.push(manager);
  return manager;
}

type Spec = ImageSecurityPolicy['spec'];

function rule(pattern: string): Spec['propertyProtection']['rules'][number] {
  return { pattern, create: ['admin'], read: ['@'], update: ['admin'], delete: ['admin'] };
}

function baseSpec(workloads: NonNullable<Spec['targets']['imageService']['workloads']>): Spec {
  return {
    propertyProtection: {
      format: 'roles',
      rules: [rule('^img_signature')],
      catchAll: { create: ['@'], read: ['@'], update: ['@'], delete: ['@'] },
    },
    policy: { rules: { publicize_image: 'role:admin' } },
    targets: { imageService: { configMapName: CONFIG_MAP, workloads } },
  };
}

const deploymentTarget = [{ kind: 'Deployment' as const, name: DEPLOYMENT }];

async function createPolicy(namespace: string, spec: Spec): Promise<void> {
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: IMAGE_SECURITY_POLICY.plural,
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: IMAGE_SECURITY_POLICY.kind,
      metadata: { name: 'glance', namespace },
      spec,
    },
  });
}

async function getPolicy(namespace: string): Promise<ImageSecurityPolicy> {
  return (await custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: IMAGE_SECURITY_POLICY.plural,
    name: 'glance',
  })) as ImageSecurityPolicy;
}

async function updateSpec(namespace: string, change: (spec: Spec) => void): Promise<void> {
  const policy = await getPolicy(namespace);
  change(policy.spec);
  await custom.replaceNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: IMAGE_SECURITY_POLICY.plural,
    name: 'glance',
    body: policy,
  });
}

async function createDeployment(namespace: string, name = DEPLOYMENT): Promise<void> {
  const labels = { app: name };
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: 'api', image: 'registry.invalid/glance:1' }] },
        },
      },
    },
  });
}

async function deploymentHash(namespace: string, name = DEPLOYMENT): Promise<string | undefined> {
  const deployment = await apps.readNamespacedDeployment({ name, namespace });
  return deployment.spec?.template.metadata?.annotations?.[RESTART_HASH];
}

/** Waits until Ready=True for the current generation and returns the policy. */
async function waitReady(namespace: string, timeoutMs = 20_000): Promise<ImageSecurityPolicy> {
  return eventually(
    async () => {
      const policy = await getPolicy(namespace);
      const ready = policy.status?.conditions?.find((condition) => condition.type === 'Ready');
      const current =
        policy.status?.observedGeneration === policy.metadata.generation &&
        ready?.status === 'True' &&
        ready.observedGeneration === policy.metadata.generation;
      return current ? policy : undefined;
    },
    { timeoutMs, what: `policy ${namespace}/glance Ready=True` },
  );
}

/** Waits until the operator made no write call in the namespace for `quietMs`. */
async function waitQuiet(namespace: string, quietMs = 1000): Promise<void> {
  await eventually(
    async () => {
      const writes = await auditEvents({ user: 'operator', namespace, writesOnly: true });
      const last = writes.at(-1)?.time.getTime() ?? 0;
      return Date.now() - last > quietMs ? true : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 200, what: 'no more operator writes' },
  );
}

/** Waits for an Event with the given reason about the policy and returns it. */
async function waitEvent(namespace: string, reason: string) {
  return eventually(
    async () => {
      const list = await eventsApi.listNamespacedEvent({ namespace });
      return list.items.find((event) => event.reason === reason);
    },
    { what: `Event ${reason}` },
  );
}

async function operatorWrites(namespace: string, since: Date, resource?: string) {
  const writes = await auditEvents({ user: 'operator', namespace, since, writesOnly: true });
  return resource === undefined ? writes : writes.filter((event) => event.resource === resource);
}

describe('ImageSecurityPolicy controller', () => {
  it('writes ConfigMap, restarts Deployment, reports Ready', async () => {
    const namespace = await createNamespace('isp');
    await createDeployment(namespace);
    await createPolicy(namespace, baseSpec(deploymentTarget));
    await startController(namespace);

    const policy = await waitReady(namespace);
    const configMap = await core.readNamespacedConfigMap({ name: CONFIG_MAP, namespace });
    const owner = configMap.metadata?.ownerReferences?.[0];

    expect(owner?.uid).toBe(policy.metadata.uid);
    expect(owner?.controller).toBe(true);
    expect(owner?.kind).toBe('ImageSecurityPolicy');
    expect(configMap.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe(
      'image-security-operator',
    );
    expect(configMap.metadata?.labels?.['imagesecurity.xloud.io/policy']).toBe('glance');
    expect(configMap.metadata?.annotations?.[CONTENT_HASH]).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(configMap.data ?? {})).toContain('property-protections.conf');
    expect(await deploymentHash(namespace)).toMatch(/^[0-9a-f]{64}$/);

    const types = policy.status?.conditions?.map((condition) => condition.type);
    expect(types).toEqual(
      expect.arrayContaining(['Rendered', 'ConfigMapsWritten', 'Redeployed', 'Ready']),
    );
    expect(policy.status?.lastRedeploy?.mode).toBe('Restart');
    expect(policy.status?.observedGeneration).toBe(policy.metadata.generation);

    const event = await waitEvent(namespace, 'Restarted');
    expect(event.type).toBe('Normal');
    expect(event.regarding?.uid).toBe(policy.metadata.uid);
    expect(event.reportingController).toBe('imagesecurity.xloud.io/image-security-operator');
  });

  it('restarts once for a new section', async () => {
    const namespace = await createNamespace('isp');
    await createDeployment(namespace);
    await createPolicy(namespace, baseSpec(deploymentTarget));
    await startController(namespace);
    await waitReady(namespace);
    await waitQuiet(namespace);
    const before = await deploymentHash(namespace);
    const since = new Date();

    await updateSpec(namespace, (spec) => {
      spec.propertyProtection.rules.push(rule('^xloud_base_image$'));
    });
    const policy = await waitReady(namespace);
    await waitQuiet(namespace);

    expect(await deploymentHash(namespace)).not.toBe(before);
    expect(await operatorWrites(namespace, since, 'deployments')).toHaveLength(1);
    expect(policy.status?.lastRedeploy?.mode).toBe('Restart');
    const redeployed = policy.status?.conditions?.find((c) => c.type === 'Redeployed');
    expect(redeployed?.reason).toBe('Restarted');
  });

  it('live-reloads a policy.yaml change', async () => {
    const namespace = await createNamespace('isp');
    await createDeployment(namespace);
    await createPolicy(namespace, baseSpec(deploymentTarget));
    await startController(namespace);
    const first = await waitReady(namespace);
    await waitQuiet(namespace);
    const before = await deploymentHash(namespace);
    const since = new Date();

    await updateSpec(namespace, (spec) => {
      spec.policy = { rules: { publicize_image: 'role:admin or role:publisher' } };
    });
    const policy = await waitReady(namespace);
    await waitQuiet(namespace);
    const configMap = await core.readNamespacedConfigMap({ name: CONFIG_MAP, namespace });

    expect(configMap.data?.['policy.yaml']).toContain('role:publisher');
    expect(await deploymentHash(namespace)).toBe(before);
    expect(await operatorWrites(namespace, since, 'deployments')).toHaveLength(0);
    expect(policy.status?.lastRedeploy?.mode).toBe('LiveReload');
    expect(policy.status?.contentHash).not.toBe(first.status?.contentHash);
    expect(policy.status?.restartHash).toBe(first.status?.restartHash);
  });

  it('restarts a policy.yaml change in Restart mode', async () => {
    const namespace = await createNamespace('isp');
    await createDeployment(namespace);
    await createPolicy(namespace, {
      ...baseSpec(deploymentTarget),
      redeploy: { liveReloadableChanges: 'Restart' },
    });
    await startController(namespace);
    await waitReady(namespace);
    await waitQuiet(namespace);
    const before = await deploymentHash(namespace);
    const since = new Date();

    await updateSpec(namespace, (spec) => {
      spec.policy = { rules: { publicize_image: 'role:admin', communitize_image: 'role:admin' } };
    });
    const policy = await waitReady(namespace);
    await waitQuiet(namespace);

    expect(await deploymentHash(namespace)).not.toBe(before);
    expect(await operatorWrites(namespace, since, 'deployments')).toHaveLength(1);
    expect(policy.status?.lastRedeploy?.mode).toBe('Restart');
  });

  it('makes no writes on 100 no-op resyncs', async () => {
    const namespace = await createNamespace('isp');
    await createDeployment(namespace);
    await createPolicy(namespace, baseSpec(deploymentTarget));
    const manager = await startController(namespace, 50);
    await waitReady(namespace);
    await waitQuiet(namespace);
    const since = new Date();
    const addsBefore = manager.queue.addsTotal;

    await eventually(
      () => Promise.resolve(manager.queue.addsTotal - addsBefore >= 100 ? true : undefined),
      { timeoutMs: 30_000, what: '100 resyncs' },
    );
    await eventually(() => Promise.resolve(manager.queue.inFlight === 0 ? true : undefined));
    const writes = await operatorWrites(namespace, since);

    expect(writes).toEqual([]);
    expect(manager.queue.retriesTotal).toBe(0);
  });

  it('keeps the last ConfigMap for an invalid spec', async () => {
    const namespace = await createNamespace('isp');
    await createDeployment(namespace);
    await createPolicy(namespace, baseSpec(deploymentTarget));
    await startController(namespace);
    const good = await waitReady(namespace);
    const before = await core.readNamespacedConfigMap({ name: CONFIG_MAP, namespace });

    await updateSpec(namespace, (spec) => {
      spec.propertyProtection.rules.push(rule('(unclosed'));
    });
    const policy = await eventually(
      async () => {
        const current = await getPolicy(namespace);
        const rendered = current.status?.conditions?.find((c) => c.type === 'Rendered');
        return rendered?.status === 'False' ? current : undefined;
      },
      { what: 'Rendered=False' },
    );
    const after = await core.readNamespacedConfigMap({ name: CONFIG_MAP, namespace });
    const rendered = policy.status?.conditions?.find((c) => c.type === 'Rendered');
    const ready = policy.status?.conditions?.find((c) => c.type === 'Ready');

    expect(rendered?.reason).toBe('InvalidSpec');
    expect(rendered?.message).toContain('spec.propertyProtection.rules[1].pattern');
    expect(ready?.status).toBe('False');
    expect(policy.status?.findings?.[0]?.severity).toBe('Error');
    expect(after.data).toEqual(before.data);
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    expect(policy.status?.contentHash).toBe(good.status?.contentHash);

    const event = await waitEvent(namespace, 'InvalidSpec');
    expect(event.type).toBe('Warning');
    expect(event.note).toContain('spec.propertyProtection.rules[1].pattern');
  });

  it('repairs a hand-edited ConfigMap', async () => {
    const namespace = await createNamespace('isp');
    await createDeployment(namespace);
    await createPolicy(namespace, baseSpec(deploymentTarget));
    await startController(namespace);
    await waitReady(namespace);
    const original = await core.readNamespacedConfigMap({ name: CONFIG_MAP, namespace });

    const edited = structuredClone(original);
    edited.data = { ...edited.data, 'policy.yaml': '"publicize_image": ""\n' };
    await core.replaceNamespacedConfigMap({ name: CONFIG_MAP, namespace, body: edited });

    const repaired = await eventually(
      async () => {
        const current = await core.readNamespacedConfigMap({ name: CONFIG_MAP, namespace });
        return current.data?.['policy.yaml'] === original.data?.['policy.yaml']
          ? current
          : undefined;
      },
      { what: 'ConfigMap repaired' },
    );
    expect(repaired.data).toEqual(original.data);

    await core.deleteNamespacedConfigMap({ name: CONFIG_MAP, namespace });
    const recreated = await eventually(
      async () => {
        try {
          return await core.readNamespacedConfigMap({ name: CONFIG_MAP, namespace });
        } catch {
          return undefined;
        }
      },
      { what: 'ConfigMap recreated' },
    );
    expect(recreated.data).toEqual(original.data);
  });

  it('creates one Job per hash', async () => {
    const namespace = await createNamespace('isp');
    const jobTarget = {
      kind: 'Job' as const,
      name: 'glance-reconfigure',
      jobTemplate: {
        spec: {
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'run', image: 'registry.invalid/ansible:1' }],
            },
          },
        },
      },
    };
    await createPolicy(namespace, baseSpec([jobTarget]));
    const manager = await startController(namespace, 100);
    await waitReady(namespace);
    const addsBefore = manager.queue.addsTotal;
    await eventually(() =>
      Promise.resolve(manager.queue.addsTotal - addsBefore >= 10 ? true : undefined),
    );

    const jobs = await batch.listNamespacedJob({ namespace });
    expect(jobs.items.map((job) => job.metadata?.name)).toEqual([
      expect.stringMatching(/^glance-reconfigure-[0-9a-f]{10}$/),
    ]);
    expect(jobs.items[0]?.metadata?.labels?.['imagesecurity.xloud.io/policy']).toBe('glance');
    expect(jobs.items[0]?.metadata?.ownerReferences?.[0]?.kind).toBe('ImageSecurityPolicy');

    await updateSpec(namespace, (spec) => {
      spec.propertyProtection.rules.push(rule('^xloud_base_image$'));
    });
    await waitReady(namespace);
    const after = await batch.listNamespacedJob({ namespace });
    expect(after.items).toHaveLength(2);
  });

  it('reports a missing Deployment and recovers', async () => {
    const namespace = await createNamespace('isp');
    await createPolicy(namespace, baseSpec(deploymentTarget));
    await startController(namespace);

    const policy = await eventually(
      async () => {
        const current = await getPolicy(namespace);
        const ready = current.status?.conditions?.find((c) => c.type === 'Ready');
        return ready?.reason === 'WorkloadNotFound' ? current : undefined;
      },
      { what: 'Ready=False WorkloadNotFound' },
    );
    const redeployed = policy.status?.conditions?.find((c) => c.type === 'Redeployed');
    expect(redeployed?.status).toBe('False');
    expect(redeployed?.message).toContain(`Deployment ${namespace}/${DEPLOYMENT}`);

    await createDeployment(namespace);
    await waitReady(namespace, 60_000);
    expect(await deploymentHash(namespace)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('catches up after an apiserver restart', async () => {
    const namespace = await createNamespace('isp');
    await createDeployment(namespace);
    await createPolicy(namespace, baseSpec(deploymentTarget));
    await startController(namespace);
    await waitReady(namespace);
    const before = await deploymentHash(namespace);

    await stopApiServer();
    await startApiServer();
    await updateSpec(namespace, (spec) => {
      spec.propertyProtection.rules.push(rule('^xloud_base_image$'));
    });

    await eventually(
      async () => {
        const hash = await deploymentHash(namespace);
        return hash !== before ? hash : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: 'Deployment restarted after apiserver restart' },
    );
    await waitReady(namespace, 30_000);
  }, 180_000);

  it('restarts only compute for a nova change', async () => {
    const namespace = await createNamespace('isp');
    await createDeployment(namespace);
    await createDeployment(namespace, 'nova-compute');
    await createPolicy(namespace, {
      ...baseSpec(deploymentTarget),
      computeSignatureVerification: { verifyGlanceSignatures: false },
      targets: {
        imageService: { configMapName: CONFIG_MAP, workloads: deploymentTarget },
        computeService: {
          configMapName: 'nova-image-signatures',
          workloads: [{ kind: 'Deployment', name: 'nova-compute' }],
        },
      },
    });
    await startController(namespace);
    await waitReady(namespace);
    await waitQuiet(namespace);
    const glanceBefore = await deploymentHash(namespace);
    const novaBefore = await deploymentHash(namespace, 'nova-compute');
    const since = new Date();

    await updateSpec(namespace, (spec) => {
      spec.computeSignatureVerification = { verifyGlanceSignatures: true };
    });
    await waitReady(namespace);
    await waitQuiet(namespace);
    const nova = await core.readNamespacedConfigMap({ name: 'nova-image-signatures', namespace });
    const patched = await operatorWrites(namespace, since, 'deployments');

    expect(novaBefore).toMatch(/^[0-9a-f]{64}$/);
    expect(await deploymentHash(namespace, 'nova-compute')).not.toBe(novaBefore);
    expect(await deploymentHash(namespace)).toBe(glanceBefore);
    expect(patched.map((event) => event.name)).toEqual(['nova-compute']);
    expect(Object.values(nova.data ?? {}).join('')).toMatch(/verify_glance_signatures\s*=\s*True/);
  });

  it('leaves a foreign ConfigMap alone', async () => {
    const namespace = await createNamespace('isp');
    await createDeployment(namespace);
    const foreign = await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: CONFIG_MAP }, data: { 'policy.yaml': 'kept: true\n' } },
    });
    await createPolicy(namespace, baseSpec(deploymentTarget));
    await startController(namespace);

    const policy = await eventually(
      async () => {
        const current = await getPolicy(namespace);
        const written = current.status?.conditions?.find((c) => c.type === 'ConfigMapsWritten');
        return written?.status === 'False' ? current : undefined;
      },
      { what: 'ConfigMapsWritten=False' },
    );
    const written = policy.status?.conditions?.find((c) => c.type === 'ConfigMapsWritten');
    const after = await core.readNamespacedConfigMap({ name: CONFIG_MAP, namespace });

    expect(written?.reason).toBe('ConfigMapConflict');
    expect(written?.message).toContain(`${namespace}/${CONFIG_MAP}`);
    expect(after.metadata?.resourceVersion).toBe(foreign.metadata?.resourceVersion);
    expect(await deploymentHash(namespace)).toBeUndefined();
  });
});
