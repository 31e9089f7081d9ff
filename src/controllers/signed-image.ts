import type { KubeConfig, KubernetesListObject } from '@kubernetes/client-node';
import { readCustomObject } from './read-object.js';
import { startControllerWorkers } from './workers.js';
import { GROUP, IMAGE_SECURITY_POLICY, SIGNED_IMAGE, VERSION } from '../api/group.js';
import { makeClients, type KubeClients } from '../kube/client.js';
import { describeApiError } from '../kube/errors.js';
import { EventRecorder } from '../kube/events.js';
import { Informer } from '../kube/informer.js';
import type { ReconcileResult } from '../kube/reconciler.js';
import { WorkQueue } from '../kube/work-queue.js';
import { reconcileLogger, type Logger } from '../log.js';
import type { OpenStackLogger, OpenStackRequestObserver } from '../openstack/index.js';
import type { OperatorMetrics } from '../server/metrics.js';
import { ConnectionCache } from './signed-image/connections.js';
import { SignedImageRun } from './signed-image/run.js';
import type {
  PolicyObject,
  SignedImageDeps,
  SignedImageObject,
  SignedImageTimings,
} from './signed-image/types.js';
import { ImageVerifier } from './signed-image/verification.js';

export type { PolicyObject, SignedImageObject } from './signed-image/types.js';

export const CONTROLLER_NAME = 'signed-image';

/**
 * Reconciles SignedImages: keeps the declared signature properties on the
 * Glance image and verifies its data. The data is downloaded again only when
 * the image, signature, certificate or trust set changed. With
 * `onFailure: Deactivate` a failed image is deactivated, and it is
 * reactivated once it verifies again.
 */
export class SignedImageReconciler {
  constructor(
    private readonly deps: SignedImageDeps & {
      /** Returns the current SignedImage, or undefined when it no longer exists. */
      readonly getSignedImage: (
        namespace: string,
        name: string,
      ) => Promise<SignedImageObject | undefined>;
    },
  ) {}

  /** Reconciles the SignedImage named by a `namespace/name` key, following the Reconciler contract. */
  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const [namespace = '', name = ''] = key.split('/');
    const object = await this.deps.getSignedImage(namespace, name);
    if (object === undefined || object.metadata.deletionTimestamp !== undefined) {
      // The image is left as it is: deleting the SignedImage stops the checks, not the image.
      return undefined;
    }
    const log = reconcileLogger(this.deps.log, CONTROLLER_NAME, key);
    const now = this.deps.now?.() ?? new Date();
    return new SignedImageRun(this.deps, object, log, now).execute();
  }
}

export interface SignedImageControllerOptions extends SignedImageTimings {
  readonly log: Logger;
  /** Namespace to watch, or every namespace when undefined. */
  readonly namespace?: string;
  /** SignedImages reconciled in parallel. Default 2, because each may stream a large image. */
  readonly workers?: number;
  /** Interval at which every SignedImage is reconciled again, in ms. Default 600000. */
  readonly resyncPeriodMs?: number;
  /** Time to wait for the first list of each informer, in ms. Default 60000. */
  readonly syncTimeoutMs?: number;
  /** First retry delay of a failing SignedImage, in ms. Default 500. */
  readonly retryBaseDelayMs?: number;
  /** Window in which identical Events are counted instead of written, in ms. Default 300000. */
  readonly eventWindowMs?: number;
  /** A running policy informer to share. When absent, the controller starts its own. */
  readonly policies?: Informer<PolicyObject>;
  /** Registry that receives this controller's reconcile counts and durations. */
  readonly metrics?: OperatorMetrics;
  /** OpenStack client settings: logger, metrics observer, per-attempt timeout and retries. */
  readonly openstack?: {
    readonly logger?: OpenStackLogger;
    readonly observer?: OpenStackRequestObserver;
    readonly timeoutMs?: number;
    readonly retries?: number;
  };
}

/** A running SignedImage controller. */
export interface SignedImageControllerHandle {
  readonly queue: WorkQueue;
  readonly verifier: ImageVerifier;
  /** Stops taking new work, waits for reconciles in flight, then stops the informers it started. */
  stop(): Promise<void>;
}

/**
 * Starts the SignedImage controller in this process: an informer for the
 * SignedImages, one for the policies unless a running one is passed (a policy
 * change queues every SignedImage that refers to it), and the workers.
 * Resolves once the caches are filled.
 */
export async function startSignedImageController(
  kubeConfig: KubeConfig,
  options: SignedImageControllerOptions,
): Promise<SignedImageControllerHandle> {
  const log = options.log;
  const clients = makeClients(kubeConfig);
  const namespace = options.namespace;
  const resyncPeriodMs = options.resyncPeriodMs ?? 600_000;
  const onError = (resource: string) => (error: unknown, restartInMs: number) =>
    log.warn({ err: describeApiError(error), restartInMs, resource }, 'watch failed; restarting');

  const signedImages = new Informer<SignedImageObject>(kubeConfig, {
    path: collectionPath(SIGNED_IMAGE.plural, namespace),
    list: () => listObjects<SignedImageObject>(clients, SIGNED_IMAGE.plural, namespace),
    resyncPeriodMs,
    onError: onError(SIGNED_IMAGE.plural),
  });
  const ownsPolicies = options.policies === undefined;
  const policies =
    options.policies ??
    new Informer<PolicyObject>(kubeConfig, {
      path: collectionPath(IMAGE_SECURITY_POLICY.plural, namespace),
      list: () => listObjects<PolicyObject>(clients, IMAGE_SECURITY_POLICY.plural, namespace),
      resyncPeriodMs: 0,
      onError: onError(IMAGE_SECURITY_POLICY.plural),
    });

  const queue = new WorkQueue({ baseDelayMs: options.retryBaseDelayMs ?? 500 });
  const enqueue = (object: SignedImageObject): void => {
    queue.add(`${object.metadata.namespace}/${object.metadata.name}`);
  };
  signedImages.addHandlers({ add: enqueue, update: enqueue });
  const enqueueForPolicy = (policy: PolicyObject): void => {
    for (const object of signedImages.list(policy.metadata.namespace)) {
      if (object.spec.policyRef.name === policy.metadata.name) {
        enqueue(object);
      }
    }
  };
  policies.addHandlers({
    add: enqueueForPolicy,
    update: enqueueForPolicy,
    delete: enqueueForPolicy,
  });

  signedImages.start();
  const started = ownsPolicies ? [signedImages, policies] : [signedImages];
  if (ownsPolicies) {
    policies.start();
  }
  const syncTimeoutMs = options.syncTimeoutMs ?? 60_000;
  try {
    await Promise.all([
      signedImages.waitForSync(syncTimeoutMs),
      policies.waitForSync(syncTimeoutMs),
    ]);
  } catch (error) {
    await Promise.all(started.map((informer) => informer.stop()));
    throw error;
  }
  log.info(
    { controller: CONTROLLER_NAME, signedImages: signedImages.list().length },
    'caches synced',
  );

  const verifier = new ImageVerifier();
  const reconciler = new SignedImageReconciler({
    clients,
    getPolicy: (policyNamespace, name) => policies.get(name, policyNamespace),
    // The informer only triggers reconciles. The object is read from the
    // apiserver because the cache can still hold the status from before the
    // previous reconcile's write, and deciding on it would act twice.
    getSignedImage: async (objectNamespace, name) =>
      signedImages.get(name, objectNamespace) === undefined
        ? undefined
        : readCustomObject<SignedImageObject>(
            clients.custom,
            SIGNED_IMAGE.plural,
            objectNamespace,
            name,
          ),
    events: new EventRecorder(clients.events, log, { windowMs: options.eventWindowMs }),
    log,
    connections: new ConnectionCache({
      logger: log.child({ component: 'openstack' }),
      ...options.openstack,
    }),
    verifier,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    ...timings(options),
  });
  const workers = startControllerWorkers({
    controller: CONTROLLER_NAME,
    queue,
    workers: options.workers ?? 2,
    log,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    reconcile: (key) => reconciler.reconcile(key),
  });

  return {
    queue,
    verifier,
    stop: async () => {
      await queue.shutDown();
      await workers;
      await Promise.all(started.map((informer) => informer.stop()));
      log.info({ controller: CONTROLLER_NAME }, 'controller stopped');
    },
  };
}

function timings(options: SignedImageTimings): SignedImageTimings {
  return {
    ...(options.progressIntervalMs === undefined
      ? {}
      : { progressIntervalMs: options.progressIntervalMs }),
    ...(options.pendingImageRequeueMs === undefined
      ? {}
      : { pendingImageRequeueMs: options.pendingImageRequeueMs }),
    ...(options.unwatchedRequeueMs === undefined
      ? {}
      : { unwatchedRequeueMs: options.unwatchedRequeueMs }),
  };
}

function collectionPath(plural: string, namespace: string | undefined): string {
  const prefix = `/apis/${GROUP}/${VERSION}`;
  return namespace === undefined
    ? `${prefix}/${plural}`
    : `${prefix}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
}

async function listObjects<T>(
  clients: KubeClients,
  plural: string,
  namespace: string | undefined,
): Promise<KubernetesListObject<T & { metadata?: object }>> {
  const request = { group: GROUP, version: VERSION, plural };
  const list: unknown =
    namespace === undefined
      ? await clients.custom.listClusterCustomObject(request)
      : await clients.custom.listNamespacedCustomObject({ ...request, namespace });
  return list as KubernetesListObject<T & { metadata?: object }>;
}
