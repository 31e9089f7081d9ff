import type { KubernetesObject } from '@kubernetes/client-node';
import type { ImageSecurityPolicy } from '../api/image-security-policy.js';
import type { KubeClients } from '../kube/client.js';
import type { EventRecorder } from '../kube/events.js';
import type { ReconcileResult } from '../kube/reconciler.js';
import { reconcileLogger, type Logger } from '../log.js';
import { PolicyRun } from './policy/policy-run.js';

export const CONTROLLER_NAME = 'image-security-policy';

/** An ImageSecurityPolicy as client-node returns it. */
export type PolicyObject = ImageSecurityPolicy & KubernetesObject;

/** Dependencies of the policy reconciler: API clients, policy reader, Event recorder, logger. */
export interface PolicyReconcilerDeps {
  readonly clients: KubeClients;
  /** Returns the current policy, or undefined when it no longer exists. */
  readonly getPolicy: (namespace: string, name: string) => Promise<PolicyObject | undefined>;
  readonly events: EventRecorder;
  readonly log: Logger;
  readonly now?: () => Date;
}

/**
 * Reconciles ImageSecurityPolicies: renders the spec, writes the ConfigMaps,
 * redeploys the workloads that read them and reports the outcome in status
 * and Events. Status is written once per reconcile, and only when it differs,
 * so a resync of an up-to-date policy makes no write call at all.
 */
export class PolicyReconciler {
  private readonly deps: PolicyReconcilerDeps;
  private readonly now: () => Date;

  constructor(deps: PolicyReconcilerDeps) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
  }

  /** Reconciles the policy named by a `namespace/name` key, following the Reconciler contract. */
  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const [namespace = '', name = ''] = key.split('/');
    const policy = await this.deps.getPolicy(namespace, name);
    if (policy === undefined || policy.metadata.deletionTimestamp !== undefined) {
      // Owned ConfigMaps and Jobs carry an owner reference, so the garbage collector removes them.
      return undefined;
    }

    const log = reconcileLogger(this.deps.log, CONTROLLER_NAME, key);
    const run = new PolicyRun(this.deps, policy, log, this.now());
    await run.execute();
    return undefined;
  }
}
