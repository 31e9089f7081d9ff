import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WorkQueue } from '../kube/work-queue.js';

/** Prefix of every metric the operator defines. */
export const METRIC_PREFIX = 'image_security_operator_';

/** Outcome of one reconcile, as the `result` label of the reconcile counter. */
export type ReconcileOutcome = 'success' | 'requeue' | 'error';

/** Outcome of one signature verification, as the `result` label of the verification counter. */
export type VerificationOutcome = 'verified' | 'failed' | 'error';

export interface OperatorMetricsOptions {
  /** Also export Node's process metrics (CPU, memory, event loop lag). Default false. */
  readonly processMetrics?: boolean;
}

/**
 * The operator's Prometheus metrics, in a registry of their own instead of
 * prom-client's global one, so tests and several managers in one process each
 * get separate counts. Labels carry controller, service and outcome names
 * only: no object names (unbounded) and nothing secret.
 */
export class OperatorMetrics {
  readonly registry = new Registry();

  /** Reconciles by controller and result (`success`, `requeue` or `error`). */
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  /** Reconciles that threw, by controller. */
  readonly reconcileErrors: Counter<'controller'>;
  readonly reconcileDuration: Histogram<'controller'>;
  /** OpenStack requests by service and method, with their time to response headers. */
  readonly openStackRequestDuration: Histogram<'service' | 'method'>;
  /** OpenStack requests that got no response or a status of 400 or more, by service. */
  readonly openStackRequestErrors: Counter<'service'>;
  /** Signature verifications by result; the SignedImage controller increments it. */
  readonly verifications: Counter<'result'>;
  /** Glance images by visibility and compliance, as last counted by an audit. */
  readonly images: Gauge<'visibility' | 'compliance'>;
  /** 1 while this process holds the leader election lease, else 0. */
  readonly leader: Gauge;

  private readonly queues = new Map<string, WorkQueue>();

  constructor(options: OperatorMetricsOptions = {}) {
    const registers = [this.registry];
    const queues = this.queues;

    this.reconcileTotal = new Counter({
      name: `${METRIC_PREFIX}reconcile_total`,
      help: 'Reconciles by controller and result (success, requeue, error).',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: `${METRIC_PREFIX}reconcile_errors_total`,
      help: 'Reconciles that failed with an error, by controller.',
      labelNames: ['controller'],
      registers,
    });
    this.reconcileDuration = new Histogram({
      name: `${METRIC_PREFIX}reconcile_duration_seconds`,
      help: 'Time one reconcile takes, in seconds, by controller.',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    new Gauge({
      name: `${METRIC_PREFIX}workqueue_depth`,
      help: 'Keys waiting in the work queue of each controller.',
      labelNames: ['controller'],
      registers,
      collect() {
        for (const [controller, queue] of queues) {
          this.set({ controller }, queue.depth);
        }
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}workqueue_in_flight`,
      help: 'Keys that the workers of each controller are reconciling now.',
      labelNames: ['controller'],
      registers,
      collect() {
        for (const [controller, queue] of queues) {
          this.set({ controller }, queue.inFlight);
        }
      },
    });
    new Counter({
      name: `${METRIC_PREFIX}workqueue_retries_total`,
      help: 'Keys queued again with backoff after a failed reconcile, by controller.',
      labelNames: ['controller'],
      registers,
      collect() {
        // The queue keeps the count; a collect-time copy avoids a second counter to keep in step.
        this.reset();
        for (const [controller, queue] of queues) {
          this.inc({ controller }, queue.retriesTotal);
        }
      },
    });
    this.openStackRequestDuration = new Histogram({
      name: `${METRIC_PREFIX}openstack_request_duration_seconds`,
      help: 'Time until an OpenStack API response arrives, in seconds, by service and method.',
      labelNames: ['service', 'method'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.openStackRequestErrors = new Counter({
      name: `${METRIC_PREFIX}openstack_request_errors_total`,
      help: 'OpenStack API requests that failed without a response or with status 400 or more.',
      labelNames: ['service'],
      registers,
    });
    this.verifications = new Counter({
      name: `${METRIC_PREFIX}verifications_total`,
      help: 'Image signature verifications by result (verified, failed, error).',
      labelNames: ['result'],
      registers,
    });
    this.images = new Gauge({
      name: `${METRIC_PREFIX}images`,
      help: 'Glance images by visibility and compliance, as counted by the last audit.',
      labelNames: ['visibility', 'compliance'],
      registers,
    });
    this.leader = new Gauge({
      name: `${METRIC_PREFIX}leader`,
      help: '1 while this process holds the leader election lease, else 0.',
      registers,
    });

    if (options.processMetrics === true) {
      collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
    }
  }

  /** Reports the depth, in-flight count and retries of a controller's queue on every scrape. */
  watchQueue(controller: string, queue: WorkQueue): void {
    this.queues.set(controller, queue);
  }

  /** Records one finished reconcile. */
  observeReconcile(controller: string, outcome: ReconcileOutcome, seconds: number): void {
    this.reconcileTotal.inc({ controller, result: outcome });
    this.reconcileDuration.observe({ controller }, seconds);
    if (outcome === 'error') {
      this.reconcileErrors.inc({ controller });
    }
  }

  /** Records one signature verification. */
  observeVerification(outcome: VerificationOutcome): void {
    this.verifications.inc({ result: outcome });
  }

  /** Returns the text exposition of every metric, as `/metrics` serves it. */
  async render(): Promise<string> {
    return this.registry.metrics();
  }
}
