import type { Reconciler } from '../kube/reconciler.js';
import type { OpenStackRequestObserver } from '../openstack/logger.js';
import type { OperatorMetrics } from './metrics.js';

/**
 * Wraps a reconciler so that each call is counted and timed under
 * `controller`. The wrapper returns and throws exactly what the reconciler
 * does, so the work queue's retry handling is unchanged.
 */
export function instrumentReconciler(
  metrics: OperatorMetrics,
  controller: string,
  reconcile: Reconciler,
): Reconciler {
  return async (key) => {
    const started = performance.now();
    try {
      const result = await reconcile(key);
      const outcome = result?.requeueAfterMs === undefined ? 'success' : 'requeue';
      metrics.observeReconcile(controller, outcome, (performance.now() - started) / 1000);
      return result;
    } catch (error) {
      metrics.observeReconcile(controller, 'error', (performance.now() - started) / 1000);
      throw error;
    }
  };
}

/** Returns an observer that feeds OpenStack request timings and failures into the metrics. */
export function openStackMetricsObserver(metrics: OperatorMetrics): OpenStackRequestObserver {
  return {
    observeRequest: ({ service, method, status, durationMs }) => {
      metrics.openStackRequestDuration.observe({ service, method }, durationMs / 1000);
      if (status === undefined || status >= 400) {
        metrics.openStackRequestErrors.inc({ service });
      }
    },
  };
}
