import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  V1MicroTime,
  type EventsV1Api,
  type EventsV1Event,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Logger } from '../log.js';
import { describeApiError, isApiError } from './errors.js';
import { mergePatchOptions } from './patch.js';

export const REPORTING_CONTROLLER = 'imagesecurity.xloud.io/image-security-operator';

/** One event about an object, as a controller decides it. */
export interface EventRecord {
  readonly type: 'Normal' | 'Warning';
  /** CamelCase reason, usually the reason of the condition it explains. */
  readonly reason: string;
  /** Operation the operator performed or attempted, such as Render or Redeploy. */
  readonly action: string;
  /** Human-readable note; the API limits it to 1 kB, longer notes are cut. */
  readonly note: string;
}

export interface EventRecorderOptions {
  /** Identical events within this window are counted, not written. Default 300000 (5 minutes). */
  readonly windowMs?: number;
  /** `reportingInstance` of every event. Default `POD_NAME`, else the host name. */
  readonly instance?: string;
  readonly now?: () => Date;
}

interface SeriesState {
  name: string;
  namespace: string;
  firstWrittenAt: number;
  count: number;
}

const MAX_NOTE_BYTES = 1024;
const MAX_SERIES = 4096;

/**
 * Writes `events.k8s.io/v1` Events, the API that carries `action`,
 * `reportingController` and event series. An event identical to one written
 * within the window (same object, type, reason, action and note) is only
 * counted. The next occurrence after the window updates the existing Event's
 * `series` with the count, so a repeating failure writes at most one request
 * per window. Recording never throws: a failed write is logged and dropped,
 * because an Event is a hint and must not fail the reconcile.
 */
export class EventRecorder {
  private readonly api: EventsV1Api;
  private readonly log: Logger;
  private readonly windowMs: number;
  private readonly instance: string;
  private readonly now: () => Date;
  private readonly series = new Map<string, SeriesState>();

  constructor(api: EventsV1Api, log: Logger, options: EventRecorderOptions = {}) {
    this.api = api;
    this.log = log;
    this.windowMs = options.windowMs ?? 300_000;
    this.instance = options.instance ?? process.env.POD_NAME ?? hostname();
    this.now = options.now ?? (() => new Date());
  }

  /** Records an event about `regarding`; resolves once written, or once the failure is logged. */
  async record(regarding: KubernetesObject, event: EventRecord): Promise<void> {
    const namespace = regarding.metadata?.namespace ?? 'default';
    const key = JSON.stringify([
      regarding.metadata?.uid,
      event.type,
      event.reason,
      event.action,
      event.note,
    ]);
    const now = this.now();
    const previous = this.series.get(key);

    try {
      if (previous === undefined) {
        await this.create(key, regarding, event, now);
        return;
      }
      previous.count++;
      if (now.getTime() - previous.firstWrittenAt < this.windowMs) {
        return;
      }
      await this.updateSeries(key, previous, regarding, event, now);
    } catch (error) {
      this.log.warn(
        {
          err: describeApiError(error),
          reason: event.reason,
          object: `${namespace}/${regarding.metadata?.name}`,
        },
        'failed to record event',
      );
    }
  }

  private async create(
    key: string,
    regarding: KubernetesObject,
    event: EventRecord,
    now: Date,
  ): Promise<void> {
    const namespace = regarding.metadata?.namespace ?? 'default';
    const name = `${regarding.metadata?.name ?? 'object'}.${randomBytes(8).toString('hex')}`;
    const body: EventsV1Event = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name, namespace },
      // MicroTime needs six fractional digits; a plain Date sends three and the apiserver rejects it with 400.
      eventTime: new V1MicroTime(now),
      type: event.type,
      reason: event.reason,
      action: event.action,
      note: truncateNote(event.note),
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: this.instance,
      regarding: {
        apiVersion: regarding.apiVersion,
        kind: regarding.kind,
        name: regarding.metadata?.name,
        namespace: regarding.metadata?.namespace,
        uid: regarding.metadata?.uid,
        resourceVersion: regarding.metadata?.resourceVersion,
      },
    };
    await this.api.createNamespacedEvent({ namespace, body });
    this.remember(key, { name, namespace, firstWrittenAt: now.getTime(), count: 1 });
  }

  private async updateSeries(
    key: string,
    state: SeriesState,
    regarding: KubernetesObject,
    event: EventRecord,
    now: Date,
  ): Promise<void> {
    try {
      await this.api.patchNamespacedEvent(
        {
          name: state.name,
          namespace: state.namespace,
          body: {
            series: { count: state.count, lastObservedTime: new V1MicroTime(now).toISOString() },
          },
        },
        mergePatchOptions(),
      );
      state.firstWrittenAt = now.getTime();
    } catch (error) {
      // Events expire (one hour by default); a series whose Event is gone starts over.
      if (!isApiError(error, 404)) {
        throw error;
      }
      this.series.delete(key);
      await this.create(key, regarding, event, now);
    }
  }

  private remember(key: string, state: SeriesState): void {
    if (this.series.size >= MAX_SERIES) {
      // Maps iterate in insertion order, so this drops the oldest series.
      const oldest = this.series.keys().next().value;
      if (oldest !== undefined) {
        this.series.delete(oldest);
      }
    }
    this.series.set(key, state);
  }
}

function truncateNote(note: string): string {
  const bytes = Buffer.from(note, 'utf8');
  if (bytes.length <= MAX_NOTE_BYTES) {
    return note;
  }
  // Cutting bytes can split a UTF-8 sequence; the decoder turns the rest into U+FFFD, dropped here.
  return `${bytes
    .subarray(0, MAX_NOTE_BYTES - 3)
    .toString('utf8')
    .replace(/\uFFFD$/, '')}...`;
}
