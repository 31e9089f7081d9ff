import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { startManager, type ManagerHandle } from '../controllers/manager.js';
import { describeApiError } from '../kube/errors.js';
import { LeaderElector } from '../kube/leader-election.js';
import { KubeLeaseStore } from '../kube/lease-store.js';
import type { Logger } from '../log.js';
import { startMetricsServer, type MetricsServer } from '../server/http-server.js';
import { OperatorMetrics } from '../server/metrics.js';
import { ReadinessChecks } from '../server/readiness.js';

/** Name of the Lease that replicas compete for. */
export const LEASE_NAME = 'image-security-operator';

/** Exit status after losing the lease, so the pod restarts and joins as a standby. */
export const EXIT_LEADERSHIP_LOST = 1;

export interface LeaderElectionSettings {
  readonly namespace: string;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

export interface OperatorProcessOptions {
  readonly kubeConfig: KubeConfig;
  readonly log: Logger;
  readonly namespace?: string;
  readonly workers: number;
  readonly resyncPeriodMs: number;
  /** Window in which identical Events are counted instead of written, in ms; the manager's default when absent. */
  readonly eventWindowMs?: number;
  /** Listen address of the metrics and health server, or undefined for no server. */
  readonly metricsAddress?: { readonly host: string; readonly port: number };
  /** Compete for a Lease and run the controllers only while holding it; always run when undefined. */
  readonly leaderElection?: LeaderElectionSettings;
  /** Aborting it starts a graceful stop: drain the queues, then release the lease. */
  readonly stopSignal: AbortSignal;
  /** Called once the metrics server listens, with its bound port. */
  readonly onListening?: (server: MetricsServer) => void;
}

/**
 * Runs the operator until `stopSignal` aborts or the lease is lost, and
 * returns the process exit status: 0 after a requested stop, 1 after a lost
 * lease or a failed start.
 *
 * A standby replica serves `/healthz`, `/readyz` and `/metrics` while it waits
 * for the lease, and starts no controller. On a requested stop the leader
 * keeps renewing while its queues drain, and releases the lease only after
 * the last reconcile ended, so two replicas never act at once.
 */
export async function runOperatorProcess(options: OperatorProcessOptions): Promise<number> {
  const log = options.log;
  const metrics = new OperatorMetrics({ processMetrics: true });
  const readiness = new ReadinessChecks();

  let server: MetricsServer | undefined;
  if (options.metricsAddress !== undefined) {
    try {
      server = await startMetricsServer({ ...options.metricsAddress, metrics, readiness, log });
    } catch (error) {
      log.error(
        { err: describeApiError(error), ...options.metricsAddress },
        'failed to start the metrics server; choose another --metrics-bind-address or --metrics-port',
      );
      return 1;
    }
    options.onListening?.(server);
  }

  try {
    return await runControllers(options, metrics, readiness);
  } finally {
    await server?.close();
  }
}

async function runControllers(
  options: OperatorProcessOptions,
  metrics: OperatorMetrics,
  readiness: ReadinessChecks,
): Promise<number> {
  const { log, stopSignal } = options;
  const elector = makeElector(options);
  if (elector !== undefined && !(await elector.acquire(stopSignal))) {
    log.info('stopped before acquiring the leader election lease');
    return 0;
  }
  metrics.leader.set(1);

  let manager: ManagerHandle;
  try {
    manager = await startManager(options.kubeConfig, {
      log,
      workers: options.workers,
      resyncPeriodMs: options.resyncPeriodMs,
      metrics,
      readiness,
      ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
      ...(options.eventWindowMs === undefined ? {} : { eventWindowMs: options.eventWindowMs }),
    });
  } catch (error) {
    log.error({ err: describeApiError(error) }, 'failed to start the controllers');
    metrics.leader.set(0);
    await elector?.release();
    return 1;
  }

  const renewStop = new AbortController();
  const renewal = elector?.renewUntilLost(renewStop.signal) ?? new Promise<never>(() => {});
  const stopRequested = new Promise<'stop'>((resolve) => {
    if (stopSignal.aborted) {
      resolve('stop');
    }
    stopSignal.addEventListener('abort', () => resolve('stop'), { once: true });
  });
  const outcome = await Promise.race([renewal, stopRequested]);

  if (outcome === 'lost') {
    // Another replica may act already. The queues stop handing out keys at
    // once; reconciles in flight finish before the caller exits.
    metrics.leader.set(0);
    await manager.stop();
    return EXIT_LEADERSHIP_LOST;
  }

  log.info('draining the work queues');
  await manager.stop();
  renewStop.abort();
  // Without leader election there is no renewal to wait for: its stand-in
  // promise never settles.
  const afterDrain = elector === undefined ? 'stopped' : await renewal;
  metrics.leader.set(0);
  if (afterDrain === 'lost') {
    return EXIT_LEADERSHIP_LOST;
  }
  await elector?.release();
  return 0;
}

function makeElector(options: OperatorProcessOptions): LeaderElector | undefined {
  const settings = options.leaderElection;
  if (settings === undefined) {
    return undefined;
  }
  const api = options.kubeConfig.makeApiClient(CoordinationV1Api);
  options.log.info(
    { identity: settings.identity, namespace: settings.namespace, lease: LEASE_NAME },
    'leader election enabled',
  );
  return new LeaderElector({
    store: new KubeLeaseStore(api, settings.namespace, LEASE_NAME),
    identity: settings.identity,
    leaseDurationMs: settings.leaseDurationMs,
    renewDeadlineMs: settings.renewDeadlineMs,
    retryPeriodMs: settings.retryPeriodMs,
    log: options.log,
  });
}
