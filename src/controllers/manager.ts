import type { KubeConfig, KubernetesListObject, V1ConfigMap } from '@kubernetes/client-node';
import { readCustomObject } from './read-object.js';
import { startControllerWorkers } from './workers.js';
import { GROUP, IMAGE_SECURITY_POLICY, VERSION } from '../api/group.js';
import { makeClients } from '../kube/client.js';
import { describeApiError } from '../kube/errors.js';
import { EventRecorder } from '../kube/events.js';
import { Informer } from '../kube/informer.js';
import { WorkQueue } from '../kube/work-queue.js';
import type { Logger } from '../log.js';
import type { OperatorMetrics } from '../server/metrics.js';
import { combineObservers, OpenStackReachability } from '../server/openstack-readiness.js';
import type { ReadinessChecks } from '../server/readiness.js';
import { openStackMetricsObserver } from '../server/reconcile-metrics.js';
import { MANAGED_BY, MANAGED_BY_LABEL, POLICY_LABEL } from '../manifests/configmap.js';
import { CONTROLLER_NAME, PolicyReconciler, type PolicyObject } from './image-security-policy.js';
import { startCatalogController } from './catalog.js';
import {
  CONTROLLER_NAME as SIGNED_IMAGE_CONTROLLER,
  startSignedImageController,
} from './signed-image.js';

export interface ManagerOptions {
  readonly log: Logger;
  /** Namespace to watch; all namespaces when undefined. */
  readonly namespace?: string;
  /** Number of policies reconciled in parallel. Default 4. */
  readonly workers?: number;
  /** Interval at which every policy is reconciled again, in ms. Default 600000. */
  readonly resyncPeriodMs?: number;
  /** Time to wait for the first list of each informer, in ms. Default 60000. */
  readonly syncTimeoutMs?: number;
  /** First retry delay of a failing policy, in ms. Default 5. */
  readonly retryBaseDelayMs?: number;
  /** Window in which identical Events are counted instead of written, in ms. Default 300000. */
  readonly eventWindowMs?: number;
  /** Registry that receives reconcile, queue and OpenStack metrics; none are recorded when absent. */
  readonly metrics?: OperatorMetrics;
  /** Readiness checks to which the manager adds its informer check while it runs. */
  readonly readiness?: ReadinessChecks;
}

/** The running policy, SignedImage and catalog controllers. */
export interface ManagerHandle {
  readonly queue: WorkQueue;
  /** Stops taking new work, waits for reconciles in flight, then stops the informers. */
  stop(): Promise<void>;
}

const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;

/**
 * Starts the ImageSecurityPolicy controller in this process: an informer for
 * the policies, one for the ConfigMaps the operator owns (so a hand edit or
 * deletion is repaired), and the workers. Then starts the SignedImage
 * controller with its own queue and workers, and the catalog controller on
 * the same policy informer. Resolves once every cache is filled.
 */
export async function startManager(
  kubeConfig: KubeConfig,
  options: ManagerOptions,
): Promise<ManagerHandle> {
  const log = options.log;
  const clients = makeClients(kubeConfig);
  const namespace = options.namespace;
  const resyncPeriodMs = options.resyncPeriodMs ?? 600_000;

  const policies = new Informer<PolicyObject>(kubeConfig, {
    path: collectionPath(`/apis/${GROUP}/${VERSION}`, IMAGE_SECURITY_POLICY.plural, namespace),
    list: () => listPolicies(clients.custom, namespace),
    resyncPeriodMs,
    onError: (error, restartInMs) =>
      log.warn(
        { err: describeApiError(error), restartInMs, resource: IMAGE_SECURITY_POLICY.plural },
        'watch failed; restarting',
      ),
  });
  const configMaps = new Informer<V1ConfigMap>(kubeConfig, {
    path: collectionPath('/api/v1', 'configmaps', namespace),
    list: () =>
      namespace === undefined
        ? clients.core.listConfigMapForAllNamespaces({ labelSelector: MANAGED_SELECTOR })
        : clients.core.listNamespacedConfigMap({ namespace, labelSelector: MANAGED_SELECTOR }),
    labelSelector: MANAGED_SELECTOR,
    resyncPeriodMs: 0,
    onError: (error, restartInMs) =>
      log.warn(
        { err: describeApiError(error), restartInMs, resource: 'configmaps' },
        'watch failed; restarting',
      ),
  });

  const queue = new WorkQueue({ baseDelayMs: options.retryBaseDelayMs ?? 5 });
  const enqueuePolicy = (policy: PolicyObject): void => {
    queue.add(`${policy.metadata.namespace}/${policy.metadata.name}`);
  };
  policies.addHandlers({ add: enqueuePolicy, update: enqueuePolicy });
  const enqueueOwner = (configMap: V1ConfigMap): void => {
    const owner = ownerPolicyKey(configMap);
    if (owner !== undefined) {
      queue.add(owner);
    }
  };
  configMaps.addHandlers({ add: enqueueOwner, update: enqueueOwner, delete: enqueueOwner });

  policies.start();
  configMaps.start();
  const syncTimeoutMs = options.syncTimeoutMs ?? 60_000;
  try {
    await Promise.all([policies.waitForSync(syncTimeoutMs), configMaps.waitForSync(syncTimeoutMs)]);
  } catch (error) {
    await Promise.all([policies.stop(), configMaps.stop()]);
    throw error;
  }
  log.info({ namespace: namespace ?? '(all)', policies: policies.list().length }, 'caches synced');

  const reachability = new OpenStackReachability();
  const observers = [
    reachability,
    ...(options.metrics === undefined ? [] : [openStackMetricsObserver(options.metrics)]),
  ];

  // The SignedImage controller shares the policy informer, so a policy change requeues its SignedImages.
  const signedImages = await startSignedImageController(kubeConfig, {
    log,
    policies,
    resyncPeriodMs,
    syncTimeoutMs,
    ...(namespace === undefined ? {} : { namespace }),
    ...(options.eventWindowMs === undefined ? {} : { eventWindowMs: options.eventWindowMs }),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    openstack: { observer: combineObservers(...observers) },
  }).catch(async (error: unknown) => {
    await Promise.all([policies.stop(), configMaps.stop()]);
    throw error;
  });

  const catalog = startCatalogController(kubeConfig, {
    log,
    policies,
    ...(options.eventWindowMs === undefined ? {} : { eventWindowMs: options.eventWindowMs }),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    openstack: { observer: combineObservers(...observers) },
  });

  const reconciler = new PolicyReconciler({
    clients,
    getPolicy: async (policyNamespace, name) => {
      // The informer only triggers reconciles. The policy itself is read from
      // the apiserver because the cache can still hold the status from before
      // the previous reconcile's write, and deciding on that stale status
      // would record the same redeploy twice.
      if (policies.get(name, policyNamespace) === undefined) {
        return undefined;
      }
      return readCustomObject<PolicyObject>(
        clients.custom,
        IMAGE_SECURITY_POLICY.plural,
        policyNamespace,
        name,
      );
    },
    events: new EventRecorder(clients.events, log, { windowMs: options.eventWindowMs }),
    log,
  });
  const workers = startControllerWorkers({
    controller: CONTROLLER_NAME,
    queue,
    workers: options.workers ?? 4,
    log,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    reconcile: (key) => reconciler.reconcile(key),
  });

  options.metrics?.watchQueue(SIGNED_IMAGE_CONTROLLER, signedImages.queue);
  const removeInformerCheck = options.readiness?.add('informers', () =>
    policies.hasSynced() && configMaps.hasSynced()
      ? { ok: true }
      : { ok: false, reason: 'policy or ConfigMap cache not synced' },
  );
  // Only policies with an OpenStack connection make the cloud part of readiness.
  const removeOpenStackCheck = options.readiness?.add('openstack', () =>
    policies.list().some((policy) => policy.spec.openstack !== undefined)
      ? reachability.check()
      : { ok: true },
  );

  return {
    queue,
    stop: async () => {
      removeInformerCheck?.();
      removeOpenStackCheck?.();
      await queue.shutDown();
      await workers;
      await signedImages.stop();
      await catalog.stop();
      await Promise.all([policies.stop(), configMaps.stop()]);
      log.info('controller stopped');
    },
  };
}

function collectionPath(prefix: string, plural: string, namespace: string | undefined): string {
  return namespace === undefined
    ? `${prefix}/${plural}`
    : `${prefix}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
}

async function listPolicies(
  custom: ReturnType<typeof makeClients>['custom'],
  namespace: string | undefined,
): Promise<KubernetesListObject<PolicyObject>> {
  const request = { group: GROUP, version: VERSION, plural: IMAGE_SECURITY_POLICY.plural };
  const list: unknown =
    namespace === undefined
      ? await custom.listClusterCustomObject(request)
      : await custom.listNamespacedCustomObject({ ...request, namespace });
  return list as KubernetesListObject<PolicyObject>;
}

/**
 * Returns the `namespace/name` key of the policy that controls a ConfigMap:
 * its controller owner reference, else its policy label.
 */
export function ownerPolicyKey(configMap: V1ConfigMap): string | undefined {
  const namespace = configMap.metadata?.namespace;
  const owner = configMap.metadata?.ownerReferences?.find(
    (ref) => ref.controller === true && ref.kind === IMAGE_SECURITY_POLICY.kind,
  );
  const name = owner?.name ?? configMap.metadata?.labels?.[POLICY_LABEL];
  return namespace === undefined || name === undefined ? undefined : `${namespace}/${name}`;
}
