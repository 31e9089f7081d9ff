import { afterEach, describe, expect, it } from '@jest/globals';
import { TerminalError } from '../../../src/kube/reconciler.js';
import { WorkQueue } from '../../../src/kube/work-queue.js';
import { createLogger } from '../../../src/log.js';
import { startMetricsServer, type MetricsServer } from '../../../src/server/http-server.js';
import { EventLoopMonitor } from '../../../src/server/liveness.js';
import { OperatorMetrics } from '../../../src/server/metrics.js';
import { ReadinessChecks } from '../../../src/server/readiness.js';
import {
  instrumentReconciler,
  openStackMetricsObserver,
} from '../../../src/server/reconcile-metrics.js';

const log = createLogger({ level: 'silent' });

/** Returns the value of one sample line, such as `name{label="x"}`, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('OperatorMetrics', () => {
  it('keeps registries separate', async () => {
    const first = new OperatorMetrics();
    const second = new OperatorMetrics();

    first.observeVerification('verified');

    const series = 'image_security_operator_verifications_total{result="verified"}';
    expect(sample(await first.render(), series)).toBe(1);
    expect(sample(await second.render(), series)).toBeUndefined();
  });

  it('counts reconciles by result', async () => {
    const metrics = new OperatorMetrics();
    const outcomes: (() => Promise<{ requeueAfterMs?: number } | undefined>)[] = [
      () => Promise.resolve(undefined),
      () => Promise.resolve({ requeueAfterMs: 10 }),
      () => Promise.reject(new Error('conflict')),
      () => Promise.reject(new TerminalError('invalid spec')),
    ];
    let call = 0;
    const reconcile = instrumentReconciler(metrics, 'policy', () => outcomes[call++]!());

    await reconcile('ns/a');
    expect(await reconcile('ns/a')).toEqual({ requeueAfterMs: 10 });
    await expect(reconcile('ns/a')).rejects.toThrow('conflict');
    await expect(reconcile('ns/a')).rejects.toBeInstanceOf(TerminalError);

    const text = await metrics.render();
    const prefix = 'image_security_operator_reconcile';
    expect(sample(text, `${prefix}_total{controller="policy",result="success"}`)).toBe(1);
    expect(sample(text, `${prefix}_total{controller="policy",result="requeue"}`)).toBe(1);
    expect(sample(text, `${prefix}_total{controller="policy",result="error"}`)).toBe(2);
    expect(sample(text, `${prefix}_errors_total{controller="policy"}`)).toBe(2);
    expect(sample(text, `${prefix}_duration_seconds_count{controller="policy"}`)).toBe(4);
  });

  it('reads queue depth and retries on scrape', async () => {
    const metrics = new OperatorMetrics();
    const queue = new WorkQueue({ setTimer: () => 0, clearTimer: () => undefined });
    metrics.watchQueue('policy', queue);

    queue.add('ns/a');
    queue.add('ns/b');
    queue.addRateLimited('ns/c');
    queue.addRateLimited('ns/c');

    const text = await metrics.render();
    expect(sample(text, 'image_security_operator_workqueue_depth{controller="policy"}')).toBe(2);
    expect(
      sample(text, 'image_security_operator_workqueue_retries_total{controller="policy"}'),
    ).toBe(2);
  });

  it('records OpenStack durations and errors', async () => {
    const metrics = new OperatorMetrics();
    const observer = openStackMetricsObserver(metrics);

    observer.observeRequest({ service: 'glance', method: 'GET', status: 200, durationMs: 20 });
    observer.observeRequest({ service: 'glance', method: 'GET', status: 503, durationMs: 5 });
    observer.observeRequest({ service: 'barbican', method: 'GET', durationMs: 3000 });

    const text = await metrics.render();
    const duration = 'image_security_operator_openstack_request_duration_seconds';
    expect(sample(text, `${duration}_count{service="glance",method="GET"}`)).toBe(2);
    expect(sample(text, `${duration}_sum{service="barbican",method="GET"}`)).toBe(3);
    const errors = 'image_security_operator_openstack_request_errors_total';
    expect(sample(text, `${errors}{service="glance"}`)).toBe(1);
    expect(sample(text, `${errors}{service="barbican"}`)).toBe(1);
  });

  it('prefixes every metric name', async () => {
    const metrics = new OperatorMetrics({ processMetrics: true });
    const names = (await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name);

    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      expect(name).toMatch(/^image_security_operator_/);
    }
  });
});

describe('ReadinessChecks', () => {
  it('fails on a failing, throwing or slow check', async () => {
    const checks = new ReadinessChecks(50);
    checks.add('synced', () => ({ ok: true }));
    checks.add('openstack', () => ({ ok: false, reason: 'keystone unreachable' }));
    checks.add('throws', () => {
      throw new Error('boom');
    });
    checks.add('slow', () => new Promise(() => {}));

    const report = await checks.run();

    expect(report.ready).toBe(false);
    expect(report.checks).toEqual([
      { name: 'openstack', result: { ok: false, reason: 'keystone unreachable' } },
      { name: 'slow', result: { ok: false, reason: 'timed out after 50 ms' } },
      { name: 'synced', result: { ok: true } },
      { name: 'throws', result: { ok: false, reason: 'boom' } },
    ]);
  });

  it('passes again once checks are removed', async () => {
    const checks = new ReadinessChecks();
    const remove = checks.add('informers', () => ({ ok: false, reason: 'not synced' }));

    remove();

    expect((await checks.run()).ready).toBe(true);
  });
});

describe('EventLoopMonitor', () => {
  it('reports a blocked loop as unhealthy', () => {
    let now = 0;
    const monitor = new EventLoopMonitor(500, 5_000, () => now);
    monitor.start();
    monitor.stop();

    now = 500;
    monitor.tick();
    expect(monitor.healthy()).toBe(true);

    now = 7_000;
    monitor.tick();
    expect(monitor.currentLagMs()).toBe(6_000);
    expect(monitor.healthy()).toBe(false);
  });
});

describe('startMetricsServer', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves metrics, health and readiness', async () => {
    const metrics = new OperatorMetrics();
    const readiness = new ReadinessChecks();
    server = await startMetricsServer({ host: '127.0.0.1', port: 0, metrics, readiness, log });
    const base = `http://127.0.0.1:${server.port}`;
    metrics.leader.set(1);

    const scrape = await fetch(`${base}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    expect(sample(await scrape.text(), 'image_security_operator_leader')).toBe(1);

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);

    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const remove = readiness.add('informers', () => ({ ok: false, reason: 'not synced' }));
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toContain('[-] informers failed: not synced');
    remove();

    expect((await fetch(`${base}/other`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('rejects a port in use', async () => {
    const metrics = new OperatorMetrics();
    const readiness = new ReadinessChecks();
    server = await startMetricsServer({ host: '127.0.0.1', port: 0, metrics, readiness, log });

    await expect(
      startMetricsServer({ host: '127.0.0.1', port: server.port, metrics, readiness, log }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});
