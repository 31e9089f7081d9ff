import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { CONTROL_PLANE_SCRIPT, CONTROL_PLANE_STATE } from './paths.js';

const run = promisify(execFile);

/** Users with a client certificate on the test apiserver; both are in system:masters. */
export type TestUser = 'admin' | 'operator';

function kubeConfigFor(user: TestUser): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path.join(CONTROL_PLANE_STATE, `${user}.kubeconfig`));
  return kc;
}

/** Returns the admin client that tests use to arrange and inspect state. */
export function adminKubeConfig(): KubeConfig {
  return kubeConfigFor('admin');
}

/**
 * Returns the client an operator under test should use. Its user is
 * "operator", so the audit log separates its calls from the test's own.
 */
export function operatorKubeConfig(): KubeConfig {
  return kubeConfigFor('operator');
}

/** Creates a namespace with a random suffix; namespaces are never reused between tests. */
export async function createNamespace(prefix = 'test'): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`.slice(0, 63);
  await adminKubeConfig()
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name } } });
  return name;
}

/** Kills the apiserver process; etcd keeps running and keeps the data. */
export async function stopApiServer(): Promise<void> {
  await run(CONTROL_PLANE_SCRIPT, ['stop-apiserver', CONTROL_PLANE_STATE]);
}

/** Starts the apiserver again on the same port and waits until it is ready. */
export async function startApiServer(): Promise<void> {
  await run(CONTROL_PLANE_SCRIPT, ['start-apiserver', CONTROL_PLANE_STATE], { timeout: 90_000 });
}

/** One entry of the apiserver's JSON audit log, reduced to what tests look at. */
export interface AuditEvent {
  verb: string;
  user: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  code?: number;
  time: Date;
}

export const WRITE_VERBS: ReadonlySet<string> = new Set([
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
]);

export interface AuditFilter {
  user?: TestUser;
  namespace?: string;
  since?: Date;
  writesOnly?: boolean;
}

interface RawAuditEvent {
  verb: string;
  user?: { username?: string };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
  requestReceivedTimestamp: string;
}

/**
 * Reads the audit log. The apiserver writes it in blocking mode, so every
 * request that has received a response is already in the file.
 */
export async function auditEvents(filter: AuditFilter = {}): Promise<AuditEvent[]> {
  const text = await readFile(path.join(CONTROL_PLANE_STATE, 'audit.log'), 'utf8');
  const events: AuditEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      continue;
    }
    const raw = JSON.parse(line) as RawAuditEvent;
    const event: AuditEvent = {
      verb: raw.verb,
      user: raw.user?.username ?? '',
      time: new Date(raw.requestReceivedTimestamp),
      ...(raw.objectRef?.resource === undefined ? {} : { resource: raw.objectRef.resource }),
      ...(raw.objectRef?.subresource === undefined
        ? {}
        : { subresource: raw.objectRef.subresource }),
      ...(raw.objectRef?.namespace === undefined ? {} : { namespace: raw.objectRef.namespace }),
      ...(raw.objectRef?.name === undefined ? {} : { name: raw.objectRef.name }),
      ...(raw.responseStatus?.code === undefined ? {} : { code: raw.responseStatus.code }),
    };
    if (filter.user !== undefined && event.user !== filter.user) continue;
    if (filter.namespace !== undefined && event.namespace !== filter.namespace) continue;
    if (filter.since !== undefined && event.time < filter.since) continue;
    if (filter.writesOnly === true && !WRITE_VERBS.has(event.verb)) continue;
    events.push(event);
  }
  return events;
}

/** Polls until the check returns a value other than undefined, or fails after the timeout. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  { timeoutMs = 10_000, intervalMs = 50, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
