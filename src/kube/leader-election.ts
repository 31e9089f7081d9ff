import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.js';
import { describeApiError, isApiError } from './errors.js';

/** The fields of a `coordination.k8s.io/v1` Lease spec that leader election uses. */
export interface LeaseRecord {
  /** Identity of the holder, or empty after the last holder released the lease. */
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  /** RFC 3339 time with microseconds, as the Lease API's MicroTime requires. */
  readonly acquireTime?: string;
  readonly renewTime?: string;
  readonly leaseTransitions: number;
}

/** A lease as read from or written to the store, with the version for optimistic concurrency. */
export interface StoredLease {
  readonly record: LeaseRecord;
  readonly resourceVersion: string;
}

/**
 * Reads and writes the one Lease object. `create` must fail when the lease
 * exists and `update` must fail when `resourceVersion` is no longer current
 * (HTTP 409 on the apiserver), which is what makes two candidates unable to
 * take the lease at the same moment.
 */
export interface LeaseStore {
  /** Returns the lease, or undefined when it does not exist. */
  get(): Promise<StoredLease | undefined>;
  create(record: LeaseRecord): Promise<StoredLease>;
  update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease>;
}

/** Time source and timer, injected so tests drive the state machine with a fake clock. */
export interface Clock {
  /** Milliseconds on a clock that only moves forward. */
  now(): number;
  /** Waits `ms` and resolves true, or resolves false at once when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted === true) {
        resolve(false);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export interface LeaderElectorOptions {
  readonly store: LeaseStore;
  /** Unique name of this candidate; see {@link candidateIdentity}. */
  readonly identity: string;
  /** Time a standby waits after the last observed renewal before taking over, in ms. */
  readonly leaseDurationMs: number;
  /** Time the leader keeps retrying a failed renewal before it gives up leading, in ms. */
  readonly renewDeadlineMs: number;
  /** Interval between attempts to acquire or renew, in ms. */
  readonly retryPeriodMs: number;
  readonly log: Logger;
  readonly clock?: Clock;
  /** Random source in [0, 1) for the jitter on acquire attempts. */
  readonly random?: () => number;
}

/** Largest extra wait between acquire attempts, as a fraction of the retry period. */
const ACQUIRE_JITTER = 0.2;

type Attempt = { readonly ok: true } | { readonly ok: false; readonly heldBy?: string };

/**
 * Leader election on a Lease, with the rules of client-go's leaderelection:
 *
 * - A standby takes the lease when its holder is empty, or when the lease
 *   has not changed for its `leaseDurationSeconds` as measured on this
 *   process's own clock since the change was first seen. Renew times written
 *   by another node are never compared with local time, so clock skew
 *   between nodes does not matter.
 * - Every write carries the resourceVersion that was read, so of two
 *   candidates that both see an expired lease only one update succeeds.
 * - The leader renews every retry period. When no renewal succeeded within
 *   the renew deadline, or another holder is seen, leading ends at once.
 */
export class LeaderElector {
  private readonly store: LeaseStore;
  private readonly clock: Clock;
  private readonly random: () => number;
  private observedKey = '';
  private observedAt = 0;
  private lastRenewedAt = 0;
  private lastStored: StoredLease | undefined;
  private leading = false;

  constructor(private readonly options: LeaderElectorOptions) {
    validateTimings(options);
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  get identity(): string {
    return this.options.identity;
  }

  /** True between a successful `acquire` and the loss or release of the lease. */
  isLeader(): boolean {
    return this.leading;
  }

  /**
   * Tries to take the lease every retry period (plus up to 20 % jitter) until
   * it succeeds. Returns true once leading, or false when `signal` aborts first.
   */
  async acquire(signal?: AbortSignal): Promise<boolean> {
    const log = this.options.log;
    log.info({ identity: this.identity }, 'waiting to acquire the leader election lease');
    let reportedHolder: string | undefined;
    for (;;) {
      if (signal?.aborted === true) {
        return false;
      }
      const attempt = await this.tryAcquireOrRenew();
      if (attempt.ok) {
        this.leading = true;
        log.info({ identity: this.identity }, 'acquired the leader election lease');
        return true;
      }
      if (attempt.heldBy !== undefined && attempt.heldBy !== reportedHolder) {
        reportedHolder = attempt.heldBy;
        log.info({ holder: attempt.heldBy }, 'leader election lease is held by another candidate');
      }
      const waitMs = this.options.retryPeriodMs * (1 + ACQUIRE_JITTER * this.random());
      if (!(await this.clock.sleep(waitMs, signal))) {
        return false;
      }
    }
  }

  /**
   * Renews the lease every retry period while leading. Resolves `lost` when
   * no renewal succeeded within the renew deadline or another holder took
   * the lease, and `stopped` when `signal` aborts. The caller must stop
   * acting as leader as soon as this resolves `lost`.
   */
  async renewUntilLost(signal?: AbortSignal): Promise<'lost' | 'stopped'> {
    const log = this.options.log;
    for (;;) {
      if (!(await this.clock.sleep(this.options.retryPeriodMs, signal))) {
        return 'stopped';
      }
      const remainingMs = this.lastRenewedAt + this.options.renewDeadlineMs - this.clock.now();
      const attempt = await this.withDeadline(this.tryAcquireOrRenew(), remainingMs);
      if (attempt.ok) {
        continue;
      }

      const sinceRenewalMs = this.clock.now() - this.lastRenewedAt;
      if (attempt.heldBy !== undefined || sinceRenewalMs >= this.options.renewDeadlineMs) {
        this.leading = false;
        log.error(
          {
            identity: this.identity,
            holder: attempt.heldBy,
            sinceRenewalMs: Math.round(sinceRenewalMs),
          },
          'lost the leader election lease',
        );
        return 'lost';
      }
    }
  }

  /**
   * Gives the lease up so a standby takes over on its next attempt instead of
   * waiting for the lease to expire: the holder is cleared and the duration
   * set to 1 s. Call only after the work done as leader has stopped.
   * Returns false when the lease was not ours or the write failed.
   */
  async release(): Promise<boolean> {
    const stored = this.lastStored;
    const wasLeading = this.leading;
    this.leading = false;
    if (!wasLeading || stored === undefined || stored.record.holderIdentity !== this.identity) {
      return false;
    }
    const now = microTime();
    try {
      await this.store.update(
        {
          holderIdentity: '',
          leaseDurationSeconds: 1,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: stored.record.leaseTransitions,
        },
        stored.resourceVersion,
      );
    } catch (error) {
      this.options.log.warn(
        { identity: this.identity, err: describeApiError(error) },
        'failed to release the leader election lease; a standby takes over once it expires',
      );
      return false;
    }
    this.options.log.info({ identity: this.identity }, 'released the leader election lease');
    return true;
  }

  /** Reads the lease, then creates or updates it when this candidate may hold it. */
  private async tryAcquireOrRenew(): Promise<Attempt> {
    const leaseDurationSeconds = Math.ceil(this.options.leaseDurationMs / 1000);
    const now = microTime();
    let current: StoredLease | undefined;
    try {
      current = await this.store.get();
    } catch (error) {
      this.options.log.warn(
        { err: describeApiError(error) },
        'failed to read the leader election lease',
      );
      return { ok: false };
    }

    if (current === undefined) {
      const record: LeaseRecord = {
        holderIdentity: this.identity,
        leaseDurationSeconds,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      };
      return this.write(() => this.store.create(record), 'create');
    }

    this.observe(current);
    const holder = current.record.holderIdentity;
    const ours = holder === this.identity;
    const expiresAt = this.observedAt + current.record.leaseDurationSeconds * 1000;
    if (holder !== '' && !ours && expiresAt > this.clock.now()) {
      return { ok: false, heldBy: holder };
    }

    const record: LeaseRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds,
      acquireTime: ours ? (current.record.acquireTime ?? now) : now,
      renewTime: now,
      leaseTransitions: ours
        ? current.record.leaseTransitions
        : current.record.leaseTransitions + 1,
    };
    return this.write(() => this.store.update(record, current.resourceVersion), 'update');
  }

  private async write(send: () => Promise<StoredLease>, verb: string): Promise<Attempt> {
    try {
      const stored = await send();
      this.observe(stored);
      this.lastStored = stored;
      this.lastRenewedAt = this.clock.now();
      return { ok: true };
    } catch (error) {
      // A 409 is the normal outcome of a race with another candidate. Any other
      // failure, such as a missing namespace or a denied request, needs a person to fix it.
      const fields = { verb, err: describeApiError(error) };
      if (isApiError(error, 409)) {
        this.options.log.debug(fields, 'lost a race to write the leader election lease');
      } else {
        this.options.log.warn(fields, 'failed to write the leader election lease');
      }
      return { ok: false };
    }
  }

  /** Records the local time at which the lease content last changed. */
  private observe(lease: StoredLease): void {
    const key = `${lease.resourceVersion} ${JSON.stringify(lease.record)}`;
    if (key !== this.observedKey) {
      this.observedKey = key;
      this.observedAt = this.clock.now();
    }
    this.lastStored = lease;
  }

  /** Resolves a failed attempt when `attempt` takes longer than `ms`. */
  private async withDeadline(attempt: Promise<Attempt>, ms: number): Promise<Attempt> {
    // NOTE: the request itself is not cancelled. A renewal that succeeds after
    // the deadline leaves the lease held for one more lease duration.
    const timeout = new AbortController();
    const expired = this.clock
      .sleep(Math.max(ms, 0), timeout.signal)
      .then((): Attempt => ({ ok: false }));
    try {
      return await Promise.race([attempt, expired]);
    } finally {
      timeout.abort();
    }
  }
}

/**
 * Returns this candidate's identity: the pod name (POD_NAME, else the host
 * name) with a random suffix, so a restarted pod with the same name never
 * mistakes the lease of its previous run for its own.
 */
export function candidateIdentity(podName = process.env.POD_NAME ?? hostname()): string {
  return `${podName}_${randomBytes(4).toString('hex')}`;
}

/** Formats the current time as a Kubernetes MicroTime (six fractional digits). */
export function microTime(date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function validateTimings(options: LeaderElectorOptions): void {
  const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = options;
  if (!(retryPeriodMs > 0)) {
    throw new Error(`retry period must be positive, got ${retryPeriodMs} ms`);
  }
  if (!(renewDeadlineMs > retryPeriodMs * (1 + ACQUIRE_JITTER))) {
    throw new Error(
      `renew deadline (${renewDeadlineMs} ms) must be longer than 1.2 x the retry period ` +
        `(${retryPeriodMs} ms); raise the renew deadline or lower the retry period`,
    );
  }
  if (!(leaseDurationMs > renewDeadlineMs)) {
    throw new Error(
      `lease duration (${leaseDurationMs} ms) must be longer than the renew deadline ` +
        `(${renewDeadlineMs} ms), or a standby could take over while the leader still acts`,
    );
  }
}
