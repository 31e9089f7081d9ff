import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  AppsV1Api,
  CoreV1Api,
  RbacAuthorizationV1Api,
  type KubernetesObject,
  type V1PolicyRule,
} from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';
import { applyObjects } from '../../src/manifests/apply.js';
import { adminKubeConfig } from '../harness/cluster.js';
import { REPO_ROOT } from '../harness/paths.js';

const run = promisify(execFile);
const NAMESPACE = 'image-security-operator';
const NAME = 'image-security-operator';

// A cold kustomize build takes several minutes, so provision.sh builds it ahead of the tests.
jest.setTimeout(10 * 60_000);

/** Returns KUSTOMIZE_BIN, or the cached binary that hack/build-kustomize.sh builds. */
async function kustomizeBinary(): Promise<string> {
  const fromEnv = process.env.KUSTOMIZE_BIN;
  if (fromEnv !== undefined && fromEnv !== '') {
    return fromEnv;
  }
  const { stdout } = await run(path.join(REPO_ROOT, 'hack/build-kustomize.sh'), {
    timeout: 10 * 60_000,
  });
  return stdout.trim();
}

let objects: KubernetesObject[];

beforeAll(async () => {
  const kustomize = await kustomizeBinary();
  const { stdout } = await run(kustomize, ['build', 'deploy/overlays/example'], {
    cwd: REPO_ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  objects = loadAll(stdout) as KubernetesObject[];
  await applyObjects(adminKubeConfig(), objects);
});

function rulesWithWildcards(rules: readonly V1PolicyRule[]): V1PolicyRule[] {
  return rules.filter(
    (rule) =>
      [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs].includes('*') ||
      (rule.nonResourceURLs ?? []).length > 0,
  );
}

describe('kustomize build of the example overlay', () => {
  it('builds every kind the operator needs', () => {
    const kinds = objects.map((o) => o.kind).sort();
    expect(kinds).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'CustomResourceDefinition',
      'CustomResourceDefinition',
      'Deployment',
      'Namespace',
      'Role',
      'RoleBinding',
      'Service',
      'ServiceAccount',
    ]);
  });

  it('applies a Deployment with a restricted security context', async () => {
    const deployment = await adminKubeConfig()
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: NAME, namespace: NAMESPACE });
    const pod = deployment.spec?.template.spec;
    const container = pod?.containers[0];

    expect(pod?.securityContext?.runAsNonRoot).toBe(true);
    expect(pod?.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
    expect(container?.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(container?.securityContext?.allowPrivilegeEscalation).toBe(false);
    expect(container?.securityContext?.capabilities?.drop).toEqual(['ALL']);
    expect(container?.securityContext?.capabilities?.add).toBeUndefined();
    expect(container?.securityContext?.privileged).not.toBe(true);
    expect(container?.resources?.requests?.cpu).toBeDefined();
    expect(container?.resources?.requests?.memory).toBeDefined();
    expect(container?.resources?.limits?.memory).toBeDefined();
  });

  it('applies the overlay image tag and namespace argument', async () => {
    const deployment = await adminKubeConfig()
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: NAME, namespace: NAMESPACE });
    const container = deployment.spec?.template.spec?.containers[0];

    expect(container?.image).toBe('ghcr.io/xloud/image-security-operator:0.1.0');
    expect(container?.args).toContain('--namespace=openstack');
  });

  it('labels namespace for restricted pod security', async () => {
    const namespace = await adminKubeConfig()
      .makeApiClient(CoreV1Api)
      .readNamespace({ name: NAMESPACE });
    expect(namespace.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('grants RBAC rules without wildcards', async () => {
    const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
    const clusterRole = await rbac.readClusterRole({ name: NAME });
    const role = await rbac.readNamespacedRole({
      name: `${NAME}-leader-election`,
      namespace: NAMESPACE,
    });

    expect(clusterRole.rules?.length).toBeGreaterThan(0);
    expect(rulesWithWildcards(clusterRole.rules ?? [])).toEqual([]);
    expect(role.rules?.length).toBeGreaterThan(0);
    expect(rulesWithWildcards(role.rules ?? [])).toEqual([]);
  });

  it('binds the roles to the operator service account', async () => {
    const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
    const binding = await rbac.readClusterRoleBinding({ name: NAME });
    const roleBinding = await rbac.readNamespacedRoleBinding({
      name: `${NAME}-leader-election`,
      namespace: NAMESPACE,
    });
    const expected = [{ kind: 'ServiceAccount', name: NAME, namespace: NAMESPACE }];

    expect(binding.subjects).toEqual(expected);
    expect(roleBinding.subjects).toEqual(expected);
  });
});
