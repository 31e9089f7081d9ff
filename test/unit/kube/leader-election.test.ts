import { describe, expect, it } from '@jest/globals';
import {
  LeaderElector,
  microTime,
  type Clock,
  type LeaseRecord,
  type LeaseStore,
  type StoredLease,
} from '../../../src/kube/leader-election.js';
import { createLogger } from '../../../src/log.js';

const log = createLogger({ level: 'silent' });
const LEASE_MS = 15_000;
const RENEW_MS = 10_000;
const RETRY_MS = 2_000;

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A clock whose time moves only in `advance`, waking sleepers in time order. */
class FakeClock implements Clock {
  time = 0;
  private sleepers: { until: number; resolve: (elapsed: boolean) => void }[] = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted === true) {
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      const sleeper = { until: this.time + ms, resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((entry) => entry !== sleeper);
        resolve(false);
      });
    });
  }

  /** Moves time forward by `ms`, letting each woken sleeper run before the next one wakes. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await flush();
    for (;;) {
      const next = this.sleepers
        .filter((sleeper) => sleeper.until <= target)
        .sort((a, b) => a.until - b.until)[0];
      if (next === undefined) {
        break;
      }
      this.time = next.until;
      this.sleepers = this.sleepers.filter((sleeper) => sleeper !== next);
      next.resolve(true);
      await flush();
    }
    this.time = target;
    await flush();
  }
}

/** An in-memory Lease with resourceVersion checks, like the apiserver's. */
class FakeLeaseStore implements LeaseStore {
  lease: StoredLease | undefined;
  private version = 0;
  /** Number of calls to fail with an error, such as an unreachable apiserver. */
  failures = 0;
  /** When true, every call waits forever. */
  hang = false;
  readonly writes: { verb: string; record: LeaseRecord }[] = [];

  get(): Promise<StoredLease | undefined> {
    return this.call(() => this.lease);
  }

  create(record: LeaseRecord): Promise<StoredLease> {
    return this.call(() => {
      if (this.lease !== undefined) {
        throw new Error('409 AlreadyExists');
      }
      return this.store('create', record);
    });
  }

  update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease> {
    return this.call(() => {
      if (this.lease?.resourceVersion !== resourceVersion) {
        throw new Error('409 Conflict');
      }
      return this.store('update', record);
    });
  }

  /** Writes a lease as another process would, bypassing the version check. */
  overwrite(record: LeaseRecord): void {
    this.version++;
    this.lease = { record, resourceVersion: String(this.version) };
  }

  private store(verb: string, record: LeaseRecord): StoredLease {
    this.version++;
    this.writes.push({ verb, record });
    this.lease = { record, resourceVersion: String(this.version) };
    return this.lease;
  }

  private call<T>(action: () => T): Promise<T> {
    if (this.hang) {
      return new Promise(() => {});
    }
    if (this.failures > 0) {
      this.failures--;
      return Promise.reject(new Error('connect ECONNREFUSED'));
    }
    return new Promise((resolve) => resolve(action()));
  }
}

function elector(
  store: LeaseStore,
  clock: Clock,
  identity: string,
  timings: Partial<{
    leaseDurationMs: number;
    renewDeadlineMs: number;
    retryPeriodMs: number;
  }> = {},
): LeaderElector {
  return new LeaderElector({
    store,
    clock,
    identity,
    leaseDurationMs: LEASE_MS,
    renewDeadlineMs: RENEW_MS,
    retryPeriodMs: RETRY_MS,
    random: () => 0,
    log,
    ...timings,
  });
}

/** Starts `acquire` and records the fake time at which it resolved. */
function track(candidate: LeaderElector, clock: FakeClock, signal?: AbortSignal) {
  const state: { result?: boolean; at?: number } = {};
  void candidate.acquire(signal).then((result) => {
    state.result = result;
    state.at = clock.now();
  });
  return state;
}

describe('LeaderElector', () => {
  it('creates the lease when none exists', async () => {
    const store = new FakeLeaseStore();
    const a = elector(store, new FakeClock(), 'a');

    expect(await a.acquire()).toBe(true);

    expect(a.isLeader()).toBe(true);
    expect(store.writes.map((write) => write.verb)).toEqual(['create']);
    expect(store.lease?.record.holderIdentity).toBe('a');
    expect(store.lease?.record.leaseDurationSeconds).toBe(15);
    expect(store.lease?.record.leaseTransitions).toBe(0);
  });

  it('lets exactly one of two candidates lead', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const a = track(elector(store, clock, 'a'), clock);
    const b = track(elector(store, clock, 'b'), clock);

    // Neither renews, so the test stays below one lease duration.
    await clock.advance(LEASE_MS - RETRY_MS);

    expect([a.result, b.result].filter((result) => result === true)).toHaveLength(1);
    expect(store.writes).toHaveLength(1);
  });

  it('keeps a standby waiting while the leader renews', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const leader = elector(store, clock, 'a');
    await leader.acquire();
    const renewal = leader.renewUntilLost();
    const standby = track(elector(store, clock, 'b'), clock);

    await clock.advance(5 * LEASE_MS);

    expect(standby.result).toBeUndefined();
    expect(store.lease?.record.holderIdentity).toBe('a');
    expect(store.writes.filter((write) => write.verb === 'update').length).toBeGreaterThan(30);
    void renewal;
  });

  it('takes over an expired lease within duration plus retry', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    await elector(store, clock, 'a').acquire();
    // The leader dies here: it never renews again.
    const standby = track(elector(store, clock, 'b'), clock);

    await clock.advance(LEASE_MS - 1);
    expect(standby.result).toBeUndefined();
    await clock.advance(RETRY_MS + 1);

    expect(standby.result).toBe(true);
    expect(standby.at).toBeGreaterThanOrEqual(LEASE_MS);
    expect(standby.at).toBeLessThanOrEqual(LEASE_MS + RETRY_MS);
    expect(store.lease?.record.holderIdentity).toBe('b');
    expect(store.lease?.record.leaseTransitions).toBe(1);
  });

  it('hands over on the next attempt after release', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const leader = elector(store, clock, 'a');
    await leader.acquire();
    const standby = track(elector(store, clock, 'b'), clock);
    await clock.advance(1);
    const releasedAt = clock.now();

    expect(await leader.release()).toBe(true);
    expect(store.lease?.record.holderIdentity).toBe('');
    expect(store.lease?.record.leaseDurationSeconds).toBe(1);
    await clock.advance(RETRY_MS);

    expect(standby.result).toBe(true);
    expect((standby.at ?? Infinity) - releasedAt).toBeLessThanOrEqual(RETRY_MS);
    expect(leader.isLeader()).toBe(false);
  });

  it('loses the lease after the renew deadline', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const leader = elector(store, clock, 'a');
    await leader.acquire();
    store.failures = 1_000;
    let outcome: string | undefined;
    let lostAt = 0;
    void leader.renewUntilLost().then((result) => {
      outcome = result;
      lostAt = clock.now();
    });

    await clock.advance(RENEW_MS - 1);
    expect(outcome).toBeUndefined();
    await clock.advance(RETRY_MS + 1);

    expect(outcome).toBe('lost');
    expect(lostAt).toBeGreaterThanOrEqual(RENEW_MS);
    expect(lostAt).toBeLessThanOrEqual(RENEW_MS + RETRY_MS);
    expect(leader.isLeader()).toBe(false);
  });

  it('survives renewal failures shorter than the deadline', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const leader = elector(store, clock, 'a');
    await leader.acquire();
    let outcome: string | undefined;
    void leader.renewUntilLost().then((result) => (outcome = result));

    store.failures = 3;
    await clock.advance(4 * RETRY_MS);
    await clock.advance(3 * LEASE_MS);

    expect(outcome).toBeUndefined();
    expect(leader.isLeader()).toBe(true);
  });

  it('counts a hanging renewal as failed at the deadline', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const leader = elector(store, clock, 'a');
    await leader.acquire();
    store.hang = true;
    let lostAt: number | undefined;
    void leader.renewUntilLost().then(() => (lostAt = clock.now()));

    await clock.advance(RENEW_MS + 1);

    expect(lostAt).toBe(RENEW_MS);
  });

  it('stops leading at once when another holder appears', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const leader = elector(store, clock, 'a');
    await leader.acquire();
    let outcome: string | undefined;
    let lostAt: number | undefined;
    void leader.renewUntilLost().then((result) => {
      outcome = result;
      lostAt = clock.now();
    });

    store.overwrite({ holderIdentity: 'intruder', leaseDurationSeconds: 15, leaseTransitions: 1 });
    await clock.advance(RETRY_MS);

    expect(outcome).toBe('lost');
    expect(lostAt).toBe(RETRY_MS);
  });

  it('returns when the stop signal aborts', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    await elector(store, clock, 'a').acquire();
    const stop = new AbortController();
    const standby = track(elector(store, clock, 'b'), clock, stop.signal);
    await clock.advance(RETRY_MS);

    stop.abort();
    await clock.advance(0);

    expect(standby.result).toBe(false);
  });

  it('stops renewing when the stop signal aborts', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    const leader = elector(store, clock, 'a');
    await leader.acquire();
    const stop = new AbortController();
    const renewal = leader.renewUntilLost(stop.signal);

    stop.abort();

    expect(await renewal).toBe('stopped');
    expect(leader.isLeader()).toBe(true);
  });

  it('does not release a lease it does not hold', async () => {
    const store = new FakeLeaseStore();
    const clock = new FakeClock();
    await elector(store, clock, 'a').acquire();

    expect(await elector(store, clock, 'b').release()).toBe(false);
    expect(store.lease?.record.holderIdentity).toBe('a');
  });

  it.each([
    ['renew deadline not above retry', { renewDeadlineMs: 2_000 }, /renew deadline/],
    ['lease not above renew deadline', { leaseDurationMs: 10_000 }, /lease duration/],
    ['zero retry period', { retryPeriodMs: 0 }, /retry period/],
  ])('rejects timings: %s', (_name, timings, message) => {
    expect(() => elector(new FakeLeaseStore(), new FakeClock(), 'a', timings)).toThrow(message);
  });
});

describe('microTime', () => {
  it('writes six fractional digits', () => {
    expect(microTime(new Date('2026-12-04T16:00:00.123Z'))).toBe('2026-12-04T16:00:00.123000Z');
  });
});
