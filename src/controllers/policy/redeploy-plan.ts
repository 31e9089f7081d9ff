import { createHash } from 'node:crypto';
import type { ImageSecurityPolicyStatus, ServiceTarget } from '../../api/image-security-policy.js';
import type { RenderedFiles } from '../../manifests/configmap.js';

/** One rendered ConfigMap together with the workloads that read it. */
export interface ServiceRender {
  /** Field name under spec.targets, used in messages. */
  readonly field: 'imageService' | 'computeService';
  readonly files: RenderedFiles;
  readonly target: ServiceTarget;
  /**
   * The value written to the workloads' restart-hash annotation (and into Job
   * names). It changes exactly when this service's workloads must restart.
   */
  readonly restartToken: string;
}

/** Way the rendered content reaches the workloads in this reconcile. */
export type RedeployMode = 'Restart' | 'LiveReload' | 'UpToDate';

export interface RedeployPlan {
  readonly mode: RedeployMode;
  /** Hash over every service's content hash, stored as status.contentHash. */
  readonly contentHash: string;
  /** Hash over every service's restart token, stored as status.restartHash. */
  readonly restartHash: string;
}

/**
 * Returns the restart token of a service. Glance re-reads policy.yaml and
 * values inside existing property-protections sections, so the image service
 * restarts only for its restartHash, unless the policy requests a restart on
 * every change (liveReloadableChanges: Restart). The compute service reads
 * nova.conf only at start, so any content change restarts it.
 */
export function restartTokenFor(
  field: ServiceRender['field'],
  files: RenderedFiles,
  liveReloadableChanges: 'Reload' | 'Restart',
): string {
  if (field === 'computeService' || liveReloadableChanges === 'Restart') {
    return files.contentHash;
  }
  return files.restartHash;
}

/**
 * Decides the redeploy by comparing the rendered hashes with those recorded
 * in the status after the last successful redeploy: a new restart hash means
 * the workloads restart, a new content hash alone means the services reload
 * the files by themselves.
 */
export function planRedeploy(
  services: readonly ServiceRender[],
  status: ImageSecurityPolicyStatus | undefined,
): RedeployPlan {
  const contentHash = combine(
    services.map((service) => [service.field, service.files.contentHash]),
  );
  const restartHash = combine(services.map((service) => [service.field, service.restartToken]));

  let mode: RedeployMode = 'UpToDate';
  if (restartHash !== status?.restartHash) {
    mode = 'Restart';
  } else if (contentHash !== status?.contentHash) {
    mode = 'LiveReload';
  }
  return { mode, contentHash, restartHash };
}

/** Hashes labelled hashes in a fixed order; the JSON encoding keeps the boundaries unambiguous. */
function combine(parts: readonly (readonly [string, string])[]): string {
  return createHash('sha256').update(JSON.stringify(parts), 'utf8').digest('hex');
}
