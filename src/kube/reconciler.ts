import type { WorkQueue } from './work-queue.js';

/**
 * Result of a reconcile that returned normally: empty (done until the next
 * change or resync), or a request for another run after a delay.
 */
export interface ReconcileResult {
  /** Reconcile the key again after this many milliseconds, without counting a failure. */
  readonly requeueAfterMs?: number;
}

/**
 * Brings one object, named by its queue key (`namespace/name`), to its desired
 * state. The contract with {@link runWorkers}:
 *
 * - Returning `undefined` or `{}` marks the key done and resets its backoff.
 * - Returning `{ requeueAfterMs }` resets the backoff and runs the key again later.
 * - Throwing retries the key with exponential backoff.
 * - Throwing a {@link TerminalError} stops retries until the object changes again.
 *
 * The same key never runs twice at once, so a reconcile needs no lock for its object.
 */
export type Reconciler = (key: string) => Promise<ReconcileResult | undefined>;

/**
 * An error that retrying cannot fix, such as an invalid spec. The key is not
 * retried; the next change to the object queues it again.
 */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

/** Called once per failed reconcile, where the failure is logged. */
export type ReconcileErrorHandler = (key: string, error: unknown, retry: boolean) => void;

/**
 * Runs `count` workers that take keys from the queue and reconcile them,
 * following the {@link Reconciler} contract. Resolves when the queue is shut
 * down and every worker has finished its current key.
 */
export async function runWorkers(
  queue: WorkQueue,
  count: number,
  reconcile: Reconciler,
  onError: ReconcileErrorHandler = () => undefined,
): Promise<void> {
  const workers = Array.from({ length: count }, () => runWorker(queue, reconcile, onError));
  await Promise.all(workers);
}

async function runWorker(
  queue: WorkQueue,
  reconcile: Reconciler,
  onError: ReconcileErrorHandler,
): Promise<void> {
  for (;;) {
    const key = await queue.get();
    if (key === undefined) {
      return;
    }
    try {
      const result = await reconcile(key);
      queue.forget(key);
      if (result?.requeueAfterMs !== undefined) {
        queue.addAfter(key, result.requeueAfterMs);
      }
    } catch (error) {
      const retry = !(error instanceof TerminalError);
      onError(key, error, retry);
      if (retry) {
        queue.addRateLimited(key);
      } else {
        queue.forget(key);
      }
    } finally {
      queue.done(key);
    }
  }
}
