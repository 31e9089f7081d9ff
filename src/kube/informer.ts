import {
  makeInformer,
  type Informer as ClientInformer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';

/** Receives the changes an {@link Informer} observes. Resyncs arrive as `update` with the cached object. */
export interface InformerHandlers<T extends KubernetesObject> {
  add?(object: T): void;
  update?(object: T): void;
  delete?(object: T): void;
}

/** Called with each list or watch failure before the informer restarts. */
export type InformerErrorHandler = (error: unknown, restartInMs: number) => void;

export interface InformerOptions<T extends KubernetesObject> {
  /** Request path of the collection, such as `/api/v1/namespaces/ns/configmaps`. */
  readonly path: string;
  /** Lists the collection; must apply the same label selector as `labelSelector`. */
  readonly list: () => Promise<KubernetesListObject<T>>;
  readonly labelSelector?: string;
  /** Interval at which every cached object is sent to `update` again, in ms. Default 600000; 0 disables. */
  readonly resyncPeriodMs?: number;
  /** First restart delay after a failure, in ms. Default 500. */
  readonly restartBaseDelayMs?: number;
  /** Largest restart delay, in ms. Default 30000. */
  readonly restartMaxDelayMs?: number;
  readonly onError?: InformerErrorHandler;
}

/**
 * A list-watch cache of one resource that keeps running. The client-node
 * informer (ListWatch in client-node 2.0.1) stops for good on any failure
 * other than 410 Gone, such as a refused connection while the apiserver
 * restarts. This wrapper starts it again with capped exponential backoff.
 * The restart resumes the watch from the last resource version seen, so
 * changes made while the apiserver was unreachable still arrive.
 */
export class Informer<T extends KubernetesObject> {
  private readonly inner: ClientInformer<T> & ObjectCache<T>;
  private readonly options: InformerOptions<T>;
  private readonly handlers: InformerHandlers<T>[] = [];
  private synced = false;
  private stopped = true;
  private failures = 0;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private resyncTimer: ReturnType<typeof setInterval> | undefined;
  private readonly syncWaiters: (() => void)[] = [];

  constructor(kubeConfig: KubeConfig, options: InformerOptions<T>) {
    this.options = options;
    this.inner = makeInformer(
      kubeConfig,
      options.path,
      () => this.listAndMarkSynced(),
      options.labelSelector,
    );
    this.inner.on('add', (object) => this.emit('add', object));
    this.inner.on('update', (object) => this.emit('update', object));
    this.inner.on('delete', (object) => this.emit('delete', object));
    this.inner.on('error', (error: unknown) => this.scheduleRestart(error));
  }

  /** Registers handlers; register before `start` so the initial list reaches them. */
  addHandlers(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
  }

  /** Starts listing and watching. Failures are retried in the background, never thrown. */
  start(): void {
    if (!this.stopped) {
      return;
    }
    this.stopped = false;
    this.startInner();

    const resyncPeriodMs = this.options.resyncPeriodMs ?? 600_000;
    if (resyncPeriodMs > 0) {
      this.resyncTimer = setInterval(() => this.resync(), resyncPeriodMs);
    }
  }

  /** Stops the watch and every timer. The cache keeps its last content. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.resyncTimer);
    this.restartTimer = undefined;
    this.resyncTimer = undefined;
    await this.inner.stop();
  }

  /** True once the first list has been loaded into the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list has been loaded, or rejects after `timeoutMs`. */
  waitForSync(timeoutMs: number): Promise<void> {
    if (this.synced) {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`informer for ${this.options.path} did not sync within ${timeoutMs} ms`));
      }, timeoutMs);
      this.syncWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  get(name: string, namespace?: string): T | undefined {
    return this.inner.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.inner.list(namespace);
  }

  /** Number of restarts in a row without a successful list or watch event. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  private startInner(): void {
    // ListWatch.start reports list and watch failures through the error
    // callback. A rejection here would mean an unexpected bug, so it is
    // handled like any other failure.
    this.inner.start().catch((error: unknown) => this.scheduleRestart(error));
  }

  private async listAndMarkSynced(): Promise<KubernetesListObject<T>> {
    const result = await this.options.list();
    this.failures = 0;
    if (!this.synced) {
      // ListWatch fills its cache synchronously right after this promise
      // resolves; setImmediate runs after that, so waiters see a full cache.
      setImmediate(() => {
        this.synced = true;
        for (const waiter of this.syncWaiters.splice(0)) {
          waiter();
        }
      });
    }
    return result;
  }

  private scheduleRestart(error: unknown): void {
    if (this.stopped || this.restartTimer !== undefined) {
      return;
    }
    const base = this.options.restartBaseDelayMs ?? 500;
    const max = this.options.restartMaxDelayMs ?? 30_000;
    const delayMs = Math.min(base * 2 ** this.failures, max);
    this.failures++;
    this.options.onError?.(error, delayMs);

    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopped) {
        this.startInner();
      }
    }, delayMs);
  }

  private resync(): void {
    for (const object of this.inner.list()) {
      for (const handlers of this.handlers) {
        handlers.update?.(object);
      }
    }
  }

  /** Forwards a watch event; any event proves the connection works again. */
  private emit(event: keyof InformerHandlers<T>, object: T): void {
    this.failures = 0;
    for (const handlers of this.handlers) {
      handlers[event]?.(object);
    }
  }
}
