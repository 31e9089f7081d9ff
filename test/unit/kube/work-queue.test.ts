import { describe, expect, it } from '@jest/globals';
import { runWorkers, TerminalError } from '../../../src/kube/reconciler.js';
import { WorkQueue } from '../../../src/kube/work-queue.js';

/** Timers that fire only when the test calls fireAll, recording each requested delay. */
function manualTimers(): {
  delays: number[];
  fireAll: () => void;
  options: { setTimer: (cb: () => void, ms: number) => unknown; clearTimer: (h: unknown) => void };
} {
  const pending = new Map<number, () => void>();
  const delays: number[] = [];
  let next = 0;
  return {
    delays,
    fireAll: () => {
      const callbacks = [...pending.values()];
      pending.clear();
      callbacks.forEach((callback) => callback());
    },
    options: {
      setTimer: (callback, ms) => {
        delays.push(ms);
        pending.set(next, callback);
        return next++;
      },
      clearTimer: (handle) => {
        pending.delete(handle as number);
      },
    },
  };
}

describe('WorkQueue', () => {
  it('stores a key added twice once', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    queue.add('a');
    queue.add('b');

    expect(queue.depth).toBe(2);
    expect(await queue.get()).toBe('a');
    expect(await queue.get()).toBe('b');
    expect(queue.depth).toBe(0);
  });

  it('holds back a key that is being processed', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    const first = await queue.get();
    queue.add('a');

    expect(first).toBe('a');
    expect(queue.depth).toBe(0);

    queue.done('a');
    expect(queue.depth).toBe(1);
    expect(await queue.get()).toBe('a');
  });

  it('queues a dirty key once after done', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    await queue.get();
    queue.add('a');
    queue.add('a');
    queue.done('a');

    expect(queue.depth).toBe(1);
  });

  it('hands a key to a waiting worker', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.add('a');

    expect(await waiting).toBe('a');
    expect(queue.inFlight).toBe(1);
  });

  it('doubles the backoff up to the cap', () => {
    const queue = new WorkQueue({ baseDelayMs: 5, maxDelayMs: 100, random: () => 0 });
    const delays = Array.from({ length: 7 }, () => queue.nextDelay('a'));

    expect(delays).toEqual([5, 10, 20, 40, 80, 100, 100]);
    expect(queue.numRequeues('a')).toBe(7);
  });

  it('adds jitter within its fraction', () => {
    const queue = new WorkQueue({ baseDelayMs: 100, jitter: 0.1, random: () => 0.5 });

    expect(queue.nextDelay('a')).toBe(105);
  });

  it('resets the backoff on forget', () => {
    const queue = new WorkQueue({ random: () => 0 });
    queue.nextDelay('a');
    queue.nextDelay('a');
    queue.forget('a');

    expect(queue.numRequeues('a')).toBe(0);
    expect(queue.nextDelay('a')).toBe(5);
  });

  it('keeps backoff separate per key', () => {
    const queue = new WorkQueue({ random: () => 0 });
    queue.nextDelay('a');
    queue.nextDelay('a');

    expect(queue.nextDelay('b')).toBe(5);
  });

  it('adds a rate-limited key after its delay', () => {
    const timers = manualTimers();
    const queue = new WorkQueue({ random: () => 0, ...timers.options });
    queue.addRateLimited('a');
    queue.addRateLimited('a');

    expect(timers.delays).toEqual([5]);
    expect(queue.depth).toBe(0);
    expect(queue.retriesTotal).toBe(2);

    timers.fireAll();
    expect(queue.depth).toBe(1);
  });

  it('keeps the earlier of two delayed adds', () => {
    const timers = manualTimers();
    const queue = new WorkQueue(timers.options);
    queue.addAfter('a', 1000);
    queue.addAfter('a', 10);

    expect(timers.delays).toEqual([1000, 10]);
    expect(queue.delayed).toBe(1);
  });

  it('returns undefined to workers after shutdown', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    await queue.shutDown();

    expect(await waiting).toBeUndefined();
    expect(await queue.get()).toBeUndefined();
  });

  it('waits for keys in flight on shutdown', async () => {
    const queue = new WorkQueue();
    queue.add('a');
    await queue.get();
    let drained = false;
    const shutdown = queue.shutDown().then(() => {
      drained = true;
    });
    await new Promise((resolve) => setImmediate(resolve));

    expect(drained).toBe(false);
    queue.done('a');
    await shutdown;
    expect(drained).toBe(true);
  });

  it('ignores adds after shutdown', async () => {
    const queue = new WorkQueue();
    await queue.shutDown();
    queue.add('a');

    expect(queue.depth).toBe(0);
  });
});

describe('runWorkers', () => {
  it('never runs one key on two workers at once', async () => {
    const queue = new WorkQueue();
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const workers = runWorkers(queue, 4, async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return undefined;
    });

    for (let i = 0; i < 20; i++) {
      queue.add('a');
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    while (queue.depth > 0 || queue.inFlight > 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await queue.shutDown();
    await workers;

    expect(maxRunning).toBe(1);
    expect(runs).toBeGreaterThan(1);
    expect(runs).toBeLessThan(20);
  });

  it('runs different keys in parallel', async () => {
    const queue = new WorkQueue();
    let running = 0;
    let maxRunning = 0;
    const workers = runWorkers(queue, 3, async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running--;
      return undefined;
    });
    ['a', 'b', 'c'].forEach((key) => queue.add(key));
    await new Promise((resolve) => setTimeout(resolve, 10));
    await queue.shutDown();
    await workers;

    expect(maxRunning).toBe(3);
  });

  it('retries a failing key with backoff and forgets it on success', async () => {
    const queue = new WorkQueue({ baseDelayMs: 1, random: () => 0 });
    let attempts = 0;
    const errors: unknown[] = [];
    const workers = runWorkers(
      queue,
      1,
      () => {
        attempts++;
        return attempts < 3
          ? Promise.reject(new Error('apiserver down'))
          : Promise.resolve(undefined);
      },
      (_key, error) => errors.push(error),
    );
    queue.add('a');
    while (attempts < 3 || queue.inFlight > 0) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await queue.shutDown();
    await workers;

    expect(errors).toHaveLength(2);
    expect(queue.retriesTotal).toBe(2);
    expect(queue.numRequeues('a')).toBe(0);
  });

  it('does not retry a terminal error', async () => {
    const queue = new WorkQueue({ baseDelayMs: 1 });
    let attempts = 0;
    const retries: boolean[] = [];
    const workers = runWorkers(
      queue,
      1,
      () => {
        attempts++;
        return Promise.reject(new TerminalError('invalid spec'));
      },
      (_key, _error, retry) => retries.push(retry),
    );
    queue.add('a');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await queue.shutDown();
    await workers;

    expect(attempts).toBe(1);
    expect(retries).toEqual([false]);
  });

  it('requeues after the requested delay', async () => {
    const queue = new WorkQueue();
    let attempts = 0;
    const workers = runWorkers(queue, 1, () => {
      attempts++;
      return Promise.resolve({ requeueAfterMs: 5 });
    });
    queue.add('a');
    await new Promise((resolve) => setTimeout(resolve, 40));
    await queue.shutDown();
    await workers;

    expect(attempts).toBeGreaterThan(1);
  });
});
