import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubernetesObject,
  type V1PolicyRule,
} from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';
import { GROUP, IMAGE_SECURITY_POLICY, SIGNED_IMAGE, VERSION } from '../../src/api/group.js';
import { runOperatorProcess } from '../../src/cli/operator-process.js';
import { createLogger } from '../../src/log.js';
import { mergePatchOptions } from '../../src/kube/patch.js';
import { applyObjects } from '../../src/manifests/apply.js';
import { adminKubeConfig, createNamespace, eventually } from '../harness/cluster.js';
import { REPO_ROOT } from '../harness/paths.js';
import {
  auditRequestsBy,
  serviceAccountKubeConfig,
  type AuditRequest,
} from '../harness/service-account.js';

const SERVICE_ACCOUNT = 'image-security-operator';
/** Status codes a least-privilege operator may get: success, not found, conflict. */
const ALLOWED = (code: number | undefined): boolean =>
  code === undefined || (code >= 200 && code < 300) || code === 404 || code === 409;

const admin = adminKubeConfig();
const core = admin.makeApiClient(CoreV1Api);
const apps = admin.makeApiClient(AppsV1Api);
const custom = admin.makeApiClient(CustomObjectsApi);
const log = createLogger({ level: process.env.LOG_LEVEL ?? 'silent' });

jest.setTimeout(180_000);

interface RbacObject extends KubernetesObject {
  rules?: V1PolicyRule[];
  roleRef?: { name: string };
  subjects?: { namespace?: string }[];
}

/**
 * Loads the ServiceAccount and RBAC objects of deploy/base, moved into the
 * test namespace. Cluster-scoped names get the namespace as suffix, so
 * repeated runs on one apiserver do not share a ClusterRole.
 */
async function deployRbac(namespace: string): Promise<RbacObject[]> {
  const files = [
    'service-account.yaml',
    'cluster-role.yaml',
    'cluster-role-binding.yaml',
    'leader-election-role.yaml',
  ];
  const objects: RbacObject[] = [];
  for (const file of files) {
    const text = await readFile(path.join(REPO_ROOT, 'deploy', 'base', file), 'utf8');
    objects.push(...(loadAll(text) as RbacObject[]));
  }
  for (const object of objects) {
    const metadata = (object.metadata ??= {});
    if (object.kind === 'ClusterRole' || object.kind === 'ClusterRoleBinding') {
      metadata.name = `${metadata.name}-${namespace}`;
    } else {
      metadata.namespace = namespace;
    }
    if (object.kind === 'ClusterRoleBinding' && object.roleRef !== undefined) {
      object.roleRef.name = `${object.roleRef.name}-${namespace}`;
    }
    for (const subject of object.subjects ?? []) {
      subject.namespace = namespace;
    }
  }
  await applyObjects(admin, objects);
  return objects;
}

/** Expands rules into `apiGroup resource verb` triples. */
function grants(rules: readonly V1PolicyRule[]): string[] {
  const triples: string[] = [];
  for (const rule of rules) {
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        for (const verb of rule.verbs) {
          triples.push(`${group} ${resource} ${verb}`);
        }
      }
    }
  }
  return triples;
}

function used(requests: readonly AuditRequest[]): Set<string> {
  return new Set(
    requests.map((request) => `${request.apiGroup} ${request.resource} ${request.verb}`),
  );
}

function podTemplate(name: string) {
  return {
    metadata: { labels: { app: name } },
    spec: { containers: [{ name: 'main', image: 'registry.invalid/glance:1' }] },
  };
}

async function createWorkloads(namespace: string): Promise<void> {
  const selector = (name: string) => ({ matchLabels: { app: name } });
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'glance-api' },
      spec: { selector: selector('glance-api'), template: podTemplate('glance-api') },
    },
  });
  await apps.createNamespacedStatefulSet({
    namespace,
    body: {
      metadata: { name: 'glance-store' },
      spec: {
        serviceName: 'glance-store',
        selector: selector('glance-store'),
        template: podTemplate('glance-store'),
      },
    },
  });
  await apps.createNamespacedDaemonSet({
    namespace,
    body: {
      metadata: { name: 'nova-compute' },
      spec: { selector: selector('nova-compute'), template: podTemplate('nova-compute') },
    },
  });
}

function catchAll() {
  return { create: ['@'], read: ['@'], update: ['@'], delete: ['@'] };
}

function policySpec(configMapName: string, workloads: object[], withOpenStack: boolean): object {
  return {
    propertyProtection: {
      format: 'roles',
      rules: [
        {
          pattern: '^img_signature',
          create: ['admin'],
          read: ['@'],
          update: ['admin'],
          delete: ['admin'],
        },
      ],
      catchAll: catchAll(),
    },
    policy: { rules: { publicize_image: 'role:admin' } },
    targets: { imageService: { configMapName, workloads } },
    ...(withOpenStack
      ? { openstack: { credentialsSecretRef: { name: 'cloud', key: 'clouds.yaml' }, cloud: 'lab' } }
      : {}),
  };
}

async function createObject(
  namespace: string,
  plural: string,
  kind: string,
  name: string,
  spec: object,
): Promise<void> {
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural,
    body: { apiVersion: `${GROUP}/${VERSION}`, kind, metadata: { name, namespace }, spec },
  });
}

/** Creates policies and a SignedImage whose reconciles use every permission in deploy/base. */
async function createWorkload(namespace: string): Promise<void> {
  await createWorkloads(namespace);
  // Port 1 on the loopback address refuses connections, so the SignedImage
  // reconcile reads the Secret and then fails without sending traffic anywhere.
  await core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { name: 'cloud' },
      stringData: {
        'clouds.yaml': [
          'clouds:',
          '  lab:',
          '    auth:',
          '      auth_url: http://127.0.0.1:1/v3',
          '      username: demo',
          '      password: not-a-real-password',
          '      project_name: demo',
          '      user_domain_name: Default',
          '      project_domain_name: Default',
          '',
        ].join('\n'),
      },
    },
  });
  const jobTarget = {
    kind: 'Job',
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
  const workloads = [
    { kind: 'Deployment', name: 'glance-api' },
    { kind: 'StatefulSet', name: 'glance-store' },
    { kind: 'DaemonSet', name: 'nova-compute' },
    jobTarget,
  ];
  await createObject(
    namespace,
    IMAGE_SECURITY_POLICY.plural,
    IMAGE_SECURITY_POLICY.kind,
    'glance',
    policySpec('glance-security', workloads, true),
  );
  // A missing Deployment fails every reconcile with the same Warning, so the
  // Event recorder patches its series count.
  await createObject(
    namespace,
    IMAGE_SECURITY_POLICY.plural,
    IMAGE_SECURITY_POLICY.kind,
    'missing-target',
    policySpec('missing-target', [{ kind: 'Deployment', name: 'absent' }], false),
  );
  await createObject(namespace, SIGNED_IMAGE.plural, SIGNED_IMAGE.kind, 'cirros', {
    policyRef: { name: 'glance' },
    image: { id: '0b5f1b3c-52e5-4a7a-9d0c-3d2b3f8c9a11' },
    signature: { value: 'c2lnbmF0dXJl', hashMethod: 'SHA-256', keyType: 'RSA-PSS' },
    certificate: { barbicanSecretId: '6d3a3c4e-8a59-4a54-9a8c-0f2b5e7d1c22' },
    onFailure: 'Report',
  });
}

/** Changes the rendered configuration, so the operator updates the ConfigMap it created. */
async function changePolicy(namespace: string): Promise<void> {
  await custom.patchNamespacedCustomObject(
    {
      group: GROUP,
      version: VERSION,
      namespace,
      plural: IMAGE_SECURITY_POLICY.plural,
      name: 'glance',
      body: { spec: { policy: { rules: { publicize_image: 'role:admin and role:reviewer' } } } },
    },
    mergePatchOptions(),
  );
}

describe('RBAC of deploy/base', () => {
  const stop = new AbortController();
  let running: Promise<number> | undefined;

  afterAll(async () => {
    stop.abort();
    await running;
  });

  it('is enough and fully used', async () => {
    const namespace = await createNamespace('rbac');
    const user = `system:serviceaccount:${namespace}:${SERVICE_ACCOUNT}`;
    const rbac = await deployRbac(namespace);
    const rules = rbac.flatMap((object) => object.rules ?? []);
    await createWorkload(namespace);
    const kubeConfig = await serviceAccountKubeConfig(admin, namespace, SERVICE_ACCOUNT);

    // The operator watches only the test namespace, so it cannot act on
    // objects other tests leave behind, such as SignedImages that point at
    // the OpenStack lab. The ClusterRoleBinding grants the namespaced list
    // and watch calls through the same rules as cluster-wide ones.
    running = runOperatorProcess({
      kubeConfig,
      log,
      namespace,
      workers: 2,
      resyncPeriodMs: 600_000,
      eventWindowMs: 200,
      stopSignal: stop.signal,
      leaderElection: {
        namespace,
        identity: 'rbac-proof',
        leaseDurationMs: 6_000,
        renewDeadlineMs: 4_000,
        retryPeriodMs: 1_000,
      },
    });

    const granted = grants(rules);
    const allSeen = async (): Promise<true | undefined> => {
      const seen = used(await auditRequestsBy(user));
      return granted.every((grant) => seen.has(grant)) ? true : undefined;
    };
    // The ConfigMap update needs a changed policy, made once the first
    // reconciles are done; the wait ends early when every grant was used.
    await eventually(
      async () => (used(await auditRequestsBy(user)).has(' configmaps create') ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 500, what: 'the first ConfigMap' },
    );
    await changePolicy(namespace);
    await eventually(allSeen, { timeoutMs: 30_000, intervalMs: 500 }).catch(() => undefined);
    stop.abort();
    expect(await running).toBe(0);

    const requests = await auditRequestsBy(user);
    const denied = requests.filter((request) => !ALLOWED(request.code));
    expect(denied).toEqual([]);
    const seen = used(requests);
    const unused = granted.filter((grant) => !seen.has(grant));
    expect(unused).toEqual([]);
    const ungranted = [...seen].filter((triple) => !granted.includes(triple));
    expect(ungranted).toEqual([]);
    for (const rule of rules) {
      expect([...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs]).not.toContain(
        '*',
      );
    }
  });
});
