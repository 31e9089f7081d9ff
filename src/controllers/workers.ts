import { describeApiError } from '../kube/errors.js';
import { runWorkers, type Reconciler } from '../kube/reconciler.js';
import type { WorkQueue } from '../kube/work-queue.js';
import type { Logger } from '../log.js';
import { instrumentReconciler } from '../server/reconcile-metrics.js';
import type { OperatorMetrics } from '../server/metrics.js';

export interface ControllerWorkers {
  readonly controller: string;
  readonly queue: WorkQueue;
  readonly workers: number;
  readonly log: Logger;
  readonly metrics?: OperatorMetrics;
  readonly reconcile: Reconciler;
}

/**
 * Starts a controller's workers on its queue, with reconcile metrics when a
 * registry is given and one log line per failed reconcile. Resolves when the
 * queue has shut down and every worker has finished.
 */
export function startControllerWorkers(options: ControllerWorkers): Promise<void> {
  const { controller, queue, log, metrics } = options;
  const reconcile =
    metrics === undefined
      ? options.reconcile
      : instrumentReconciler(metrics, controller, options.reconcile);
  metrics?.watchQueue(controller, queue);
  return runWorkers(queue, options.workers, reconcile, (key, error, retry) => {
    log.error(
      {
        controller,
        key,
        err: describeApiError(error),
        retry,
        failures: queue.numRequeues(key),
      },
      'reconcile failed',
    );
  });
}
