/** Tuning of {@link WorkQueue}; every field has a default. */
export interface WorkQueueOptions {
  /** First retry delay of a failing key, in milliseconds. Default 5. */
  readonly baseDelayMs?: number;
  /** Largest retry delay, in milliseconds. Default 300000 (5 minutes). */
  readonly maxDelayMs?: number;
  /** Extra delay added at random, as a fraction of the computed delay. Default 0.1. */
  readonly jitter?: number;
  /** Random source in [0, 1), injected so tests get exact delays. */
  readonly random?: () => number;
  /** Timer functions, injected so tests can run delayed adds without waiting. */
  readonly setTimer?: (callback: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
}

/**
 * A rate-limited work queue with the semantics of client-go's workqueue:
 *
 * - A key added while it is waiting is stored once.
 * - A key is never handed to two workers at once. A key added while a worker
 *   processes it is marked dirty and queued again when the worker calls `done`.
 * - `addRateLimited` delays a failing key exponentially (base, doubling, capped,
 *   with jitter) until `forget` resets its failure count.
 *
 * Every `get` that returns a key must be followed by `done(key)`.
 */
export class WorkQueue<K extends string = string> {
  private readonly queue: K[] = [];
  /** Keys that need processing: waiting in `queue`, or re-added while processing. */
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly failures = new Map<K, number>();
  private readonly timers = new Map<K, { dueAt: number; handle: unknown }>();
  private readonly waiters: ((key: K | undefined) => void)[] = [];
  private drained: (() => void) | undefined;
  private shuttingDown = false;

  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private readonly setTimer: (callback: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  /** Keys added since creation, counting each accepted add once. */
  addsTotal = 0;
  /** Calls to `addRateLimited`, for a retries metric. */
  retriesTotal = 0;

  constructor(options: WorkQueueOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 300_000;
    this.jitter = options.jitter ?? 0.1;
    this.random = options.random ?? Math.random;
    this.setTimer = options.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
    this.clearTimer =
      options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  }

  /** Number of keys waiting to be handed to a worker. */
  get depth(): number {
    return this.queue.length;
  }

  /** Number of keys that workers are processing now. */
  get inFlight(): number {
    return this.processing.size;
  }

  /** Number of keys waiting for a delayed add. */
  get delayed(): number {
    return this.timers.size;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Queues a key for processing. Ignored after `shutDown`. */
  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) {
      return;
    }
    this.addsTotal++;
    this.dirty.add(key);
    if (this.processing.has(key)) {
      return;
    }

    const waiter = this.waiters.shift();
    if (waiter === undefined) {
      this.queue.push(key);
      return;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    waiter(key);
  }

  /**
   * Queues a key after `ms` milliseconds. When the key already waits for a
   * delayed add, the earlier of the two times wins.
   */
  addAfter(key: K, ms: number): void {
    if (this.shuttingDown) {
      return;
    }
    if (ms <= 0) {
      this.add(key);
      return;
    }

    const dueAt = Date.now() + ms;
    const pending = this.timers.get(key);
    if (pending !== undefined) {
      if (pending.dueAt <= dueAt) {
        return;
      }
      this.clearTimer(pending.handle);
    }
    const handle = this.setTimer(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    this.timers.set(key, { dueAt, handle });
  }

  /** Queues a failing key after its backoff delay and counts the failure. */
  addRateLimited(key: K): void {
    this.retriesTotal++;
    this.addAfter(key, this.nextDelay(key));
  }

  /** Returns the backoff delay for the next failure of `key` and counts that failure. */
  nextDelay(key: K): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);

    // 2 ** failures overflows to Infinity long after the cap is reached, and
    // Math.min handles Infinity, so no separate guard is needed.
    const exact = Math.min(this.baseDelayMs * 2 ** failures, this.maxDelayMs);
    return Math.min(exact + exact * this.jitter * this.random(), this.maxDelayMs);
  }

  /** Resets the failure count of a key after it was processed successfully. */
  forget(key: K): void {
    this.failures.delete(key);
  }

  /** Number of failures counted for a key since its last `forget`. */
  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /**
   * Waits for the next key. Returns undefined once the queue is shut down,
   * which signals a worker to exit.
   */
  get(): Promise<K | undefined> {
    if (this.shuttingDown) {
      return Promise.resolve(undefined);
    }
    const key = this.queue.shift();
    if (key === undefined) {
      return new Promise((resolve) => this.waiters.push(resolve));
    }
    this.dirty.delete(key);
    this.processing.add(key);
    return Promise.resolve(key);
  }

  /** Releases a key a worker got from `get`, queueing it again when it was re-added meanwhile. */
  done(key: K): void {
    this.processing.delete(key);
    if (this.shuttingDown) {
      this.dirty.delete(key);
      if (this.processing.size === 0) {
        this.drained?.();
      }
      return;
    }
    if (!this.dirty.has(key)) {
      return;
    }

    const waiter = this.waiters.shift();
    if (waiter === undefined) {
      this.queue.push(key);
      return;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    waiter(key);
  }

  /**
   * Stops handing out keys and resolves once every key in flight is done.
   * Keys still waiting are dropped: the next start lists every object and
   * queues it again, so no work is lost.
   */
  shutDown(): Promise<void> {
    this.shuttingDown = true;
    for (const { handle } of this.timers.values()) {
      this.clearTimer(handle);
    }
    this.timers.clear();
    this.queue.length = 0;
    this.dirty.clear();
    for (const waiter of this.waiters.splice(0)) {
      waiter(undefined);
    }

    if (this.processing.size === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.drained = resolve;
    });
  }
}
