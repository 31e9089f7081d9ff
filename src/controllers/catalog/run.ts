import { PUBLISHED_IMAGES_DEFAULTS, type PublishedImages } from '../../api/published-images.js';
import { auditImages, type ImageAudit } from '../../catalog/audit.js';
import { planEnforcement, type EnforcementPlan } from '../../catalog/enforce.js';
import { listPublishedImages } from '../../catalog/list.js';
import type { KubeClients } from '../../kube/client.js';
import type { ConditionUpdate } from '../../kube/conditions.js';
import type { EventRecorder } from '../../kube/events.js';
import type { ReconcileResult } from '../../kube/reconciler.js';
import type { Logger } from '../../log.js';
import type { OperatorMetrics } from '../../server/metrics.js';
import { readSecretKey } from '../signed-image/kube-inputs.js';
import type { ConnectionCache } from '../signed-image/connections.js';
import { parseInterval } from '../signed-image/interval.js';
import type { PolicyObject } from '../signed-image/types.js';
import { auditFailedCondition, catalogCondition, probeCondition } from './decisions.js';
import { enforcePlan, type ActionRecord } from './enforcement.js';
import { runProbes } from './probes.js';
import { CATALOG_REASON } from './reasons.js';
import { buildCatalogStatus, type CatalogStatusUpdate } from './status.js';
import { writeCatalogStatus } from './status-writer.js';
import { verifiedHashesIn } from './verified-hashes.js';

/** Dependencies of one catalog pass. */
export interface CatalogDeps {
  readonly clients: KubeClients;
  readonly events: EventRecorder;
  readonly log: Logger;
  readonly connections: ConnectionCache;
  readonly metrics?: OperatorMetrics;
  readonly now?: () => Date;
}

/** Delay before the next pass after a failed audit, in ms, when auditInterval is longer. */
const FAILED_AUDIT_RETRY_MS = 60_000;

/**
 * One audit pass for one policy: list the catalog, audit, enforce, probe,
 * then write status.catalog with its conditions and record the Events.
 */
export class CatalogRun {
  private readonly namespace: string;
  private readonly config: PublishedImages;
  private readonly generation: number | undefined;

  constructor(
    private readonly deps: CatalogDeps,
    private readonly policy: PolicyObject,
    private readonly log: Logger,
    private readonly now: Date,
  ) {
    this.namespace = policy.metadata.namespace ?? '';
    this.config = policy.spec.publishedImages ?? {};
    this.generation = policy.metadata.generation;
  }

  async execute(): Promise<ReconcileResult> {
    const intervalMs =
      parseInterval(
        this.config.auditInterval ?? PUBLISHED_IMAGES_DEFAULTS.auditInterval,
        'spec.publishedImages.auditInterval',
      ) ?? 600_000;

    let update: CatalogStatusUpdate;
    let requeueAfterMs = intervalMs;
    let records: ActionRecord[] = [];
    let plan: EnforcementPlan | undefined;
    try {
      const result = await this.audit();
      plan = result.plan;
      records = result.records;
      update = {
        catalog: buildCatalogStatus(result.audits, records, this.now),
        conditions: [catalogCondition(plan, records, this.generation)],
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.error({ err: message }, 'catalog audit failed');
      update = { conditions: [auditFailedCondition(message, this.generation)] };
      requeueAfterMs = Math.min(intervalMs, FAILED_AUDIT_RETRY_MS);
      await this.deps.events.record(this.policy, {
        type: 'Warning',
        reason: CATALOG_REASON.auditFailed,
        action: 'Audit',
        note: message,
      });
    }

    const probe = await this.probe();
    if (probe !== undefined) {
      update = { ...update, conditions: [...update.conditions, probe] };
    }
    const written = await writeCatalogStatus(
      this.deps.clients.custom,
      this.namespace,
      this.policy.metadata.name,
      update,
      this.now,
    );
    if (!written) {
      return {};
    }
    await this.recordEvents(plan, records, update.conditions);
    return { requeueAfterMs };
  }

  private async audit(): Promise<{
    audits: ImageAudit[];
    plan: EnforcementPlan;
    records: ActionRecord[];
  }> {
    const { glance } = await this.connectAdmin();
    const images = await listPublishedImages(glance);
    const verified = await verifiedHashesIn(this.deps.clients.custom, this.namespace);
    const audits = auditImages(this.config, images, verified);
    const plan = planEnforcement(this.config, audits);
    this.setImageMetrics(audits);

    const records = await enforcePlan(glance, this.config, plan, verified, this.now);
    this.log.info(
      {
        images: audits.length,
        violations: plan.violations,
        action: plan.action,
        dryRun: plan.dryRun,
        blocked: plan.blocked !== undefined,
        changed: records.filter((record) => record.result === 'Succeeded').length,
      },
      'catalog audited',
    );
    return { audits, plan, records };
  }

  private async connectAdmin(): ReturnType<ConnectionCache['get']> {
    const openstack = this.policy.spec.openstack;
    if (openstack === undefined) {
      throw new Error('spec.openstack is not set; the catalog audit needs an admin cloud');
    }
    const cloudsYaml = await readSecretKey(
      this.deps.clients.core,
      this.namespace,
      openstack.credentialsSecretRef,
      'spec.openstack.credentialsSecretRef',
    );
    const caBundle =
      openstack.caBundleSecretRef === undefined
        ? undefined
        : await readSecretKey(
            this.deps.clients.core,
            this.namespace,
            openstack.caBundleSecretRef,
            'spec.openstack.caBundleSecretRef',
          );
    return this.deps.connections.get(cloudsYaml, openstack.cloud, caBundle);
  }

  /** Runs the enforcement probes when spec.publishedImages.probe is set. */
  private async probe(): Promise<ConditionUpdate | undefined> {
    const probe = this.config.probe;
    if (probe === undefined) {
      return undefined;
    }
    try {
      const cloudsYaml = await readSecretKey(
        this.deps.clients.core,
        this.namespace,
        probe.credentialsSecretRef,
        'spec.publishedImages.probe.credentialsSecretRef',
      );
      const result = await runProbes(this.policy.spec, cloudsYaml, probe.cloud, this.log);
      this.log.info(
        { passed: result.passed.length, failed: result.failures.length },
        'enforcement probes ran',
      );
      return probeCondition(result, this.generation);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.error({ err: message }, 'enforcement probes failed to run');
      return probeCondition({ error: message }, this.generation);
    }
  }

  private setImageMetrics(audits: readonly ImageAudit[]): void {
    const gauge = this.deps.metrics?.images;
    if (gauge === undefined) {
      return;
    }
    // NOTE: the gauge has no policy label, so with several policies it shows the last audit.
    for (const visibility of ['public', 'community'] as const) {
      for (const compliant of [true, false]) {
        const count = audits.filter(
          (audit) => audit.exposure === visibility && audit.compliant === compliant,
        ).length;
        gauge.set({ visibility, compliance: compliant ? 'compliant' : 'violation' }, count);
      }
    }
  }

  private async recordEvents(
    plan: EnforcementPlan | undefined,
    records: readonly ActionRecord[],
    conditions: readonly ConditionUpdate[],
  ): Promise<void> {
    if (plan?.blocked !== undefined) {
      await this.deps.events.record(this.policy, {
        type: 'Warning',
        reason: CATALOG_REASON.blastRadiusExceeded,
        action: plan.action,
        note: plan.blocked,
      });
    }
    for (const record of records) {
      const event = eventFor(record);
      if (event !== undefined) {
        await this.deps.events.record(this.policy, event);
      }
    }
    for (const condition of conditions) {
      if (condition.status === 'False' && condition.reason === CATALOG_REASON.checksFailed) {
        await this.deps.events.record(this.policy, {
          type: 'Warning',
          reason: condition.reason,
          action: 'Probe',
          note: condition.message,
        });
      }
    }
  }
}

function eventFor(record: ActionRecord): Parameters<EventRecorder['record']>[1] | undefined {
  const image = `image ${record.id}${record.name === undefined ? '' : ` (${record.name})`}`;
  if (record.result === 'Succeeded') {
    return {
      type: 'Normal',
      reason: CATALOG_REASON.enforced,
      action: record.action,
      note: `${record.action} on ${image}: ${record.message ?? ''}`,
    };
  }
  if (record.result === 'Failed') {
    return {
      type: 'Warning',
      reason: CATALOG_REASON.enforcementFailed,
      action: record.action,
      note: `${record.action} on ${image} failed: ${record.message ?? ''}`,
    };
  }
  if (record.contested === true) {
    return {
      type: 'Warning',
      reason: CATALOG_REASON.contested,
      action: record.action,
      note: `${image}: ${record.message ?? ''}`,
    };
  }
  return undefined;
}
