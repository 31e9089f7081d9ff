import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { CoordinationV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { GROUP, IMAGE_SECURITY_POLICY, VERSION } from '../../src/api/group.js';
import { LEASE_NAME } from '../../src/cli/operator-process.js';
import { microTime } from '../../src/kube/leader-election.js';
import { adminKubeConfig, createNamespace, eventually } from '../harness/cluster.js';
import {
  scrapeTotal,
  startOperatorChild,
  type OperatorChild,
} from '../harness/operator-process.js';

const LEASE_SECONDS = 6;
const RENEW_SECONDS = 4;
const RETRY_SECONDS = 1;
/** Longest wait between two acquire attempts: the retry period plus 20 % jitter. */
const ATTEMPT_SECONDS = 1.2 * RETRY_SECONDS;
const TIMINGS = [
  '--leader-election-lease-duration',
  String(LEASE_SECONDS),
  '--leader-election-renew-deadline',
  String(RENEW_SECONDS),
  '--leader-election-retry-period',
  String(RETRY_SECONDS),
];
const RECONCILES = 'image_security_operator_reconcile_total';

const admin = adminKubeConfig();
const leases = admin.makeApiClient(CoordinationV1Api);
const custom = admin.makeApiClient(CustomObjectsApi);

jest.setTimeout(180_000);

const children: OperatorChild[] = [];

afterAll(async () => {
  for (const child of children) {
    if (child.process.exitCode === null && child.process.signalCode === null) {
      process.kill(child.pid, 'SIGKILL');
    }
  }
  await Promise.all(children.map((child) => child.exited));
});

function start(podName: string, namespace: string): OperatorChild {
  const child = startOperatorChild(podName, namespace, TIMINGS);
  children.push(child);
  return child;
}

async function holder(namespace: string): Promise<string | undefined> {
  try {
    const lease = await leases.readNamespacedLease({ name: LEASE_NAME, namespace });
    return lease.spec?.holderIdentity;
  } catch {
    return undefined;
  }
}

/** Polls the Lease every 50 ms and returns the milliseconds until `identity` holds it. */
async function timeUntilHeldBy(namespace: string, identity: string, from: number): Promise<number> {
  await eventually(async () => ((await holder(namespace)) === identity ? true : undefined), {
    timeoutMs: 30_000,
    intervalMs: 50,
    what: `lease held by ${identity}`,
  });
  return Date.now() - from;
}

async function createPolicy(namespace: string): Promise<void> {
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: IMAGE_SECURITY_POLICY.plural,
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: IMAGE_SECURITY_POLICY.kind,
      metadata: { name: 'glance', namespace },
      spec: {
        propertyProtection: {
          format: 'roles',
          rules: [],
          catchAll: { create: ['@'], read: ['@'], update: ['@'], delete: ['@'] },
        },
        targets: { imageService: { configMapName: 'glance-security' } },
      },
    },
  });
}

describe('leader election between operator processes', () => {
  it('runs one leader, fails over and hands over', async () => {
    const namespace = await createNamespace('lease');
    await createPolicy(namespace);
    const first = start('operator-a', namespace);
    const second = start('operator-b', namespace);
    const ids = new Map([
      [await first.identity, first],
      [await second.identity, second],
    ]);

    const leaderId = await eventually(
      async () => {
        const id = await holder(namespace);
        return id !== undefined && ids.has(id) ? id : undefined;
      },
      { timeoutMs: 60_000, what: 'a leader' },
    );
    const leader = ids.get(leaderId)!;
    const standby = leader === first ? second : first;
    const standbyId = await standby.identity;
    const leaderPort = await leader.port;
    const standbyPort = await standby.port;
    await eventually(
      async () => ((await scrapeTotal(leaderPort, RECONCILES)) > 0 ? true : undefined),
      {
        timeoutMs: 30_000,
        what: 'a reconcile by the leader',
      },
    );
    // The standby stays idle for longer than a lease duration.
    await new Promise((resolve) => setTimeout(resolve, (LEASE_SECONDS + 1) * 1000));
    expect(await scrapeTotal(standbyPort, RECONCILES)).toBe(0);
    expect(await scrapeTotal(standbyPort, 'image_security_operator_leader')).toBe(0);
    expect(await scrapeTotal(leaderPort, 'image_security_operator_leader')).toBe(1);
    expect(await holder(namespace)).toBe(leaderId);

    // A killed leader cannot release the lease, so the standby waits for it
    // to expire. It reads the last renewal up to one attempt interval late
    // and tries again every attempt interval (retry period plus up to 20 %
    // jitter), so the bound is lease + 2 x 1.2 retries, plus 500 ms for polling.
    const killedAt = Date.now();
    process.kill(leader.pid, 'SIGKILL');
    const failoverMs = await timeUntilHeldBy(namespace, standbyId, killedAt);
    process.stderr.write(`failover after SIGKILL: ${failoverMs} ms\n`);
    expect(failoverMs).toBeLessThan((LEASE_SECONDS + 2 * ATTEMPT_SECONDS) * 1000 + 500);
    await eventually(
      async () => ((await scrapeTotal(standbyPort, RECONCILES)) > 0 ? true : undefined),
      { timeoutMs: 30_000, what: 'a reconcile by the new leader' },
    );

    // A stopped leader releases the lease after draining, so the next
    // standby takes it on its next attempt, about one retry period later.
    const third = start('operator-c', namespace);
    const thirdId = await third.identity;
    await third.port;
    await eventually(
      () =>
        Promise.resolve(
          third.lines.some(
            (line) => line.msg === 'leader election lease is held by another candidate',
          )
            ? true
            : undefined,
        ),
      { timeoutMs: 30_000, what: 'the third operator to wait as standby' },
    );
    const stoppedAt = Date.now();
    process.kill(standby.pid, 'SIGTERM');
    const handoverMs = await timeUntilHeldBy(namespace, thirdId, stoppedAt);
    process.stderr.write(`handover after SIGTERM: ${handoverMs} ms\n`);
    expect(await standby.exited).toBe(0);
    // One attempt interval, plus 1 s for draining, exiting and polling.
    expect(handoverMs).toBeLessThan((ATTEMPT_SECONDS + 1) * 1000);

    // Another writer taking the lease makes the leader stop and exit 1.
    await eventually(
      async () => ((await scrapeTotal(await third.port, RECONCILES)) > 0 ? true : undefined),
      { timeoutMs: 30_000, what: 'a reconcile by the third operator' },
    );
    // The leader renews every second, so a write can lose the race (409) and is retried.
    const takenAt = await eventually(
      async () => {
        const lease = await leases.readNamespacedLease({ name: LEASE_NAME, namespace });
        lease.spec = {
          ...lease.spec,
          holderIdentity: 'intruder',
          leaseDurationSeconds: 60,
          renewTime: microTime() as unknown as Date,
        };
        await leases.replaceNamespacedLease({ name: LEASE_NAME, namespace, body: lease });
        return Date.now();
      },
      { what: 'the lease taken by another writer' },
    );
    expect(await third.exited).toBe(1);
    const exitMs = Date.now() - takenAt;
    process.stderr.write(`exit after losing the lease: ${exitMs} ms\n`);
    expect(exitMs).toBeLessThan((RETRY_SECONDS + RENEW_SECONDS) * 1000);
  });
});
