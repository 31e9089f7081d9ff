import type { KubeConfig } from '@kubernetes/client-node';
import { readCustomObject } from './read-object.js';
import { startControllerWorkers } from './workers.js';
import { IMAGE_SECURITY_POLICY } from '../api/group.js';
import { makeClients } from '../kube/client.js';
import { EventRecorder } from '../kube/events.js';
import type { Informer } from '../kube/informer.js';
import type { ReconcileResult } from '../kube/reconciler.js';
import { WorkQueue } from '../kube/work-queue.js';
import { reconcileLogger, type Logger } from '../log.js';
import type { OpenStackRequestObserver } from '../openstack/index.js';
import type { OperatorMetrics } from '../server/metrics.js';
import { CatalogRun, type CatalogDeps } from './catalog/run.js';
import { ConnectionCache } from './signed-image/connections.js';
import type { PolicyObject } from './signed-image/types.js';

export const CONTROLLER_NAME = 'catalog';

/**
 * Audits the published images of each policy that sets both
 * spec.publishedImages and spec.openstack, enforces the configured action,
 * runs the enforcement probes, and requeues itself every auditInterval.
 */
export class CatalogReconciler {
  constructor(
    private readonly deps: CatalogDeps & {
      /** Returns the current policy, or undefined when it no longer exists. */
      readonly getPolicy: (namespace: string, name: string) => Promise<PolicyObject | undefined>;
    },
  ) {}

  /** Runs one pass for the policy named by a `namespace/name` key, following the Reconciler contract. */
  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const [namespace = '', name = ''] = key.split('/');
    const policy = await this.deps.getPolicy(namespace, name);
    if (
      policy === undefined ||
      policy.metadata.deletionTimestamp !== undefined ||
      policy.spec.publishedImages === undefined ||
      policy.spec.openstack === undefined
    ) {
      // Without both settings there is nothing to audit, and no periodic pass is scheduled.
      return undefined;
    }
    const log = reconcileLogger(this.deps.log, CONTROLLER_NAME, key);
    const now = this.deps.now?.() ?? new Date();
    return new CatalogRun(this.deps, policy, log, now).execute();
  }
}

export interface CatalogControllerOptions {
  readonly log: Logger;
  /** A running, synced policy informer; the catalog controller adds its handlers. */
  readonly policies: Informer<PolicyObject>;
  /** Policies audited in parallel. Default 1, because each pass lists the whole catalog. */
  readonly workers?: number;
  /** First retry delay of a failing pass, in ms. Default 1000. */
  readonly retryBaseDelayMs?: number;
  /** Window in which identical Events are counted instead of written, in ms. Default 300000. */
  readonly eventWindowMs?: number;
  readonly metrics?: OperatorMetrics;
  readonly openstack?: { readonly observer?: OpenStackRequestObserver };
}

/** A running catalog controller. */
export interface CatalogControllerHandle {
  readonly queue: WorkQueue;
  /** Stops taking new work and waits for passes in flight. */
  stop(): Promise<void>;
}

/**
 * Starts the catalog controller on a shared policy informer. A pass runs
 * when a policy is added or its generation changes, and then every
 * auditInterval. Status writes do not change the generation, so the
 * controller's own writes (and the policy controller's) do not start a pass.
 */
export function startCatalogController(
  kubeConfig: KubeConfig,
  options: CatalogControllerOptions,
): CatalogControllerHandle {
  const log = options.log;
  const clients = makeClients(kubeConfig);
  const queue = new WorkQueue({ baseDelayMs: options.retryBaseDelayMs ?? 1000 });
  const generations = new Map<string, number | undefined>();

  const keyOf = (policy: PolicyObject): string =>
    `${policy.metadata.namespace}/${policy.metadata.name}`;
  const onChange = (policy: PolicyObject): void => {
    const key = keyOf(policy);
    if (generations.has(key) && generations.get(key) === policy.metadata.generation) {
      return;
    }
    generations.set(key, policy.metadata.generation);
    queue.add(key);
  };
  options.policies.addHandlers({
    add: onChange,
    update: onChange,
    delete: (policy) => generations.delete(keyOf(policy)),
  });
  for (const policy of options.policies.list()) {
    onChange(policy);
  }

  const reconciler = new CatalogReconciler({
    clients,
    events: new EventRecorder(clients.events, log, { windowMs: options.eventWindowMs }),
    log,
    connections: new ConnectionCache({
      logger: log.child({ component: 'openstack' }),
      ...(options.openstack?.observer === undefined
        ? {}
        : { observer: options.openstack.observer }),
    }),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    getPolicy: async (namespace, name) =>
      options.policies.get(name, namespace) === undefined
        ? undefined
        : readCustomObject<PolicyObject>(
            clients.custom,
            IMAGE_SECURITY_POLICY.plural,
            namespace,
            name,
          ),
  });
  const workers = startControllerWorkers({
    controller: CONTROLLER_NAME,
    queue,
    workers: options.workers ?? 1,
    log,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    reconcile: (key) => reconciler.reconcile(key),
  });

  return {
    queue,
    stop: async () => {
      await queue.shutDown();
      await workers;
      log.info({ controller: CONTROLLER_NAME }, 'controller stopped');
    },
  };
}
