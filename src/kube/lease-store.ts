import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import { isApiError } from './errors.js';
import type { LeaseRecord, LeaseStore, StoredLease } from './leader-election.js';

/**
 * A {@link LeaseStore} backed by one `coordination.k8s.io/v1` Lease. Needs
 * get, create and update on leases in `namespace`.
 */
export class KubeLeaseStore implements LeaseStore {
  constructor(
    private readonly api: CoordinationV1Api,
    private readonly namespace: string,
    private readonly name: string,
  ) {}

  async get(): Promise<StoredLease | undefined> {
    try {
      return toStored(
        await this.api.readNamespacedLease({ name: this.name, namespace: this.namespace }),
      );
    } catch (error) {
      if (isApiError(error, 404)) {
        return undefined;
      }
      throw error;
    }
  }

  async create(record: LeaseRecord): Promise<StoredLease> {
    const body = this.toLease(record);
    return toStored(await this.api.createNamespacedLease({ namespace: this.namespace, body }));
  }

  async update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease> {
    const body = this.toLease(record, resourceVersion);
    return toStored(
      await this.api.replaceNamespacedLease({ name: this.name, namespace: this.namespace, body }),
    );
  }

  private toLease(record: LeaseRecord, resourceVersion?: string): V1Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        ...(resourceVersion === undefined ? {} : { resourceVersion }),
      },
      spec: {
        holderIdentity: record.holderIdentity,
        leaseDurationSeconds: record.leaseDurationSeconds,
        leaseTransitions: record.leaseTransitions,
        // client-node 2.0 types MicroTime as Date but sends a Date with
        // millisecond precision, which the apiserver rejects: MicroTime needs
        // six fractional digits. The preformatted string is sent unchanged.
        ...(record.acquireTime === undefined
          ? {}
          : { acquireTime: asMicroTime(record.acquireTime) }),
        ...(record.renewTime === undefined ? {} : { renewTime: asMicroTime(record.renewTime) }),
      },
    };
  }
}

function asMicroTime(value: string): Date {
  return value as unknown as Date;
}

function toStored(lease: V1Lease): StoredLease {
  const spec = lease.spec ?? {};
  const acquireTime = timeText(spec.acquireTime);
  const renewTime = timeText(spec.renewTime);
  return {
    resourceVersion: lease.metadata?.resourceVersion ?? '',
    record: {
      holderIdentity: spec.holderIdentity ?? '',
      leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
      leaseTransitions: spec.leaseTransitions ?? 0,
      ...(acquireTime === undefined ? {} : { acquireTime }),
      ...(renewTime === undefined ? {} : { renewTime }),
    },
  };
}

/** Returns a MicroTime as text, whether the client parsed it into a Date or left the string. */
function timeText(value: unknown): string | undefined {
  if (value instanceof Date) {
    return value.toISOString();
  }
  return typeof value === 'string' ? value : undefined;
}
