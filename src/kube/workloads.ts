import type { AppsV1Api, BatchV1Api, V1Job, V1OwnerReference } from '@kubernetes/client-node';
import type { WorkloadTarget } from '../api/image-security-policy.js';
import {
  MANAGED_BY,
  MANAGED_BY_LABEL,
  POLICY_LABEL,
  RESTART_HASH_ANNOTATION,
} from '../manifests/configmap.js';
import { isApiError, ReasonedError } from './errors.js';
import { mergePatchOptions } from './patch.js';

export const WORKLOAD_NOT_FOUND = 'WorkloadNotFound';

/** Outcome of {@link redeployWorkload}. */
export type RedeployAction = 'Patched' | 'JobCreated' | 'Unchanged';

/** The API clients a redeploy needs. */
export interface WorkloadApis {
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
}

/** The policy a redeploy happens for: it labels and owns created Jobs. */
export interface RedeployOwner {
  readonly name: string;
  readonly namespace: string;
  readonly ownerReference: V1OwnerReference;
}

/** Longest Job name: the Job controller copies it into a pod label value, limited to 63 characters. */
const MAX_JOB_NAME = 63;

/**
 * Returns the name of the Job run for `hash`: the target name and the first
 * 10 hex digits of the hash, so each hash runs one Job. A long target name is
 * cut to fit 63 characters.
 */
export function jobName(prefix: string, hash: string): string {
  const suffix = `-${hash.slice(0, 10)}`;
  const head = prefix.slice(0, MAX_JOB_NAME - suffix.length).replace(/-+$/, '');
  return `${head}${suffix}`;
}

/**
 * Makes a workload pick up new configuration. A Deployment, StatefulSet or
 * DaemonSet gets the hash in its pod template annotation, which rolls its
 * pods. The patch is sent only when the live value differs. A Job target gets
 * a new Job named after the hash, created once: 409 AlreadyExists counts as
 * done. A missing Deployment, StatefulSet or DaemonSet raises WorkloadNotFound.
 */
export async function redeployWorkload(
  apis: WorkloadApis,
  owner: RedeployOwner,
  target: WorkloadTarget,
  hash: string,
): Promise<RedeployAction> {
  if (target.kind === 'Job') {
    return createJob(apis.batch, owner, target, hash);
  }

  const current = await readTemplateAnnotation(apis.apps, owner.namespace, target);
  if (current === hash) {
    return 'Unchanged';
  }
  const body = {
    spec: { template: { metadata: { annotations: { [RESTART_HASH_ANNOTATION]: hash } } } },
  };
  const request = { name: target.name, namespace: owner.namespace, body };
  try {
    switch (target.kind) {
      case 'Deployment':
        await apis.apps.patchNamespacedDeployment(request, mergePatchOptions());
        break;
      case 'StatefulSet':
        await apis.apps.patchNamespacedStatefulSet(request, mergePatchOptions());
        break;
      case 'DaemonSet':
        await apis.apps.patchNamespacedDaemonSet(request, mergePatchOptions());
        break;
    }
  } catch (error) {
    throw notFoundOr(error, owner.namespace, target);
  }
  return 'Patched';
}

async function readTemplateAnnotation(
  apps: AppsV1Api,
  namespace: string,
  target: WorkloadTarget,
): Promise<string | undefined> {
  const request = { name: target.name, namespace };
  try {
    switch (target.kind) {
      case 'Deployment':
        return annotationOf(await apps.readNamespacedDeployment(request));
      case 'StatefulSet':
        return annotationOf(await apps.readNamespacedStatefulSet(request));
      case 'DaemonSet':
        return annotationOf(await apps.readNamespacedDaemonSet(request));
      default:
        throw new Error(`workload kind ${target.kind} has no pod template to annotate`);
    }
  } catch (error) {
    throw notFoundOr(error, namespace, target);
  }
}

function annotationOf(workload: {
  spec?: { template?: { metadata?: { annotations?: Record<string, string> } } };
}): string | undefined {
  return workload.spec?.template?.metadata?.annotations?.[RESTART_HASH_ANNOTATION];
}

async function createJob(
  batch: BatchV1Api,
  owner: RedeployOwner,
  target: WorkloadTarget,
  hash: string,
): Promise<RedeployAction> {
  const name = jobName(target.name, hash);
  try {
    await batch.readNamespacedJob({ name, namespace: owner.namespace });
    return 'Unchanged';
  } catch (error) {
    if (!isApiError(error, 404)) {
      throw error;
    }
  }

  const template = (target.jobTemplate ?? {}) as {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: V1Job['spec'];
  };
  const body: V1Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: owner.namespace,
      labels: {
        ...template.metadata?.labels,
        [MANAGED_BY_LABEL]: MANAGED_BY,
        [POLICY_LABEL]: owner.name,
      },
      annotations: { ...template.metadata?.annotations, [RESTART_HASH_ANNOTATION]: hash },
      ownerReferences: [owner.ownerReference],
    },
    spec: template.spec,
  };
  try {
    await batch.createNamespacedJob({ namespace: owner.namespace, body });
  } catch (error) {
    if (isApiError(error, 409)) {
      return 'Unchanged';
    }
    throw error;
  }
  return 'JobCreated';
}

function notFoundOr(error: unknown, namespace: string, target: WorkloadTarget): unknown {
  if (!isApiError(error, 404)) {
    return error;
  }
  return new ReasonedError(
    WORKLOAD_NOT_FOUND,
    `${target.kind} ${namespace}/${target.name} named in spec.targets was not found; ` +
      'create it or remove it from the policy. The operator retries with backoff.',
    { cause: error },
  );
}
