import { describe, expect, it } from '@jest/globals';
import { ApiException, type EventsV1Api } from '@kubernetes/client-node';
import { EventRecorder, REPORTING_CONTROLLER } from '../../../src/kube/events.js';
import { createLogger } from '../../../src/log.js';

interface Call {
  verb: 'create' | 'patch';
  body: Record<string, unknown>;
}

/** Builds an Events API double that records calls; setting `failWith.error` fails the next call. */
function fakeApi(): { api: EventsV1Api; calls: Call[]; failWith: { error?: Error } } {
  const calls: Call[] = [];
  const failWith: { error?: Error } = {};
  const respond = (verb: Call['verb'], body: Record<string, unknown>): Promise<never> => {
    calls.push({ verb, body });
    const error = failWith.error;
    failWith.error = undefined;
    return error === undefined ? Promise.resolve(body as never) : Promise.reject(error);
  };
  const api = {
    createNamespacedEvent: (request: { body: Record<string, unknown> }) =>
      respond('create', request.body),
    patchNamespacedEvent: (request: { body: Record<string, unknown> }) =>
      respond('patch', request.body),
  } as unknown as EventsV1Api;
  return { api, calls, failWith };
}

const policy = {
  apiVersion: 'imagesecurity.xloud.io/v1alpha1',
  kind: 'ImageSecurityPolicy',
  metadata: { name: 'glance', namespace: 'openstack', uid: 'uid-1' },
};
const event = {
  type: 'Warning' as const,
  reason: 'InvalidSpec',
  action: 'Render',
  note: 'bad pattern',
};
const log = createLogger({ level: 'silent' });

describe('EventRecorder', () => {
  it('writes an events.k8s.io Event', async () => {
    const { api, calls } = fakeApi();
    const recorder = new EventRecorder(api, log, { instance: 'pod-1' });
    await recorder.record(policy, event);

    expect(calls).toHaveLength(1);
    const body = calls[0]?.body ?? {};
    expect(body.apiVersion).toBe('events.k8s.io/v1');
    expect(body.reportingController).toBe(REPORTING_CONTROLLER);
    expect(body.reportingInstance).toBe('pod-1');
    expect(body.reason).toBe('InvalidSpec');
    expect(body.regarding).toMatchObject({ kind: 'ImageSecurityPolicy', uid: 'uid-1' });
  });

  it('counts repeats within the window', async () => {
    const { api, calls } = fakeApi();
    let now = 0;
    const recorder = new EventRecorder(api, log, { windowMs: 1000, now: () => new Date(now) });
    for (let i = 0; i < 5; i++) {
      now += 100;
      await recorder.record(policy, event);
    }

    expect(calls.map((call) => call.verb)).toEqual(['create']);
  });

  it('patches the series after the window', async () => {
    const { api, calls } = fakeApi();
    let now = 0;
    const recorder = new EventRecorder(api, log, { windowMs: 1000, now: () => new Date(now) });
    await recorder.record(policy, event);
    now = 500;
    await recorder.record(policy, event);
    now = 1500;
    await recorder.record(policy, event);

    expect(calls.map((call) => call.verb)).toEqual(['create', 'patch']);
    expect(calls[1]?.body.series).toMatchObject({ count: 3 });
  });

  it('writes distinct notes separately', async () => {
    const { api, calls } = fakeApi();
    const recorder = new EventRecorder(api, log);
    await recorder.record(policy, event);
    await recorder.record(policy, { ...event, note: 'another' });

    expect(calls).toHaveLength(2);
  });

  it('recreates an expired series Event', async () => {
    const { api, calls, failWith } = fakeApi();
    let now = 0;
    const recorder = new EventRecorder(api, log, { windowMs: 10, now: () => new Date(now) });
    await recorder.record(policy, event);
    now = 100;
    failWith.error = new ApiException(404, 'not found', '', {});
    await recorder.record(policy, event);

    expect(calls.map((call) => call.verb)).toEqual(['create', 'patch', 'create']);
  });

  it('never throws on a failed write', async () => {
    const { api, failWith } = fakeApi();
    const recorder = new EventRecorder(api, log);
    failWith.error = new ApiException(403, 'forbidden', '', {});

    await expect(recorder.record(policy, event)).resolves.toBeUndefined();
  });

  it('cuts notes longer than 1 kB', async () => {
    const { api, calls } = fakeApi();
    const recorder = new EventRecorder(api, log);
    await recorder.record(policy, { ...event, note: 'x'.repeat(5000) });

    expect(String(calls[0]?.body.note).length).toBeLessThanOrEqual(1024);
  });
});
