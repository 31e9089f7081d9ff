import type { V1OwnerReference } from '@kubernetes/client-node';
import type { Condition } from '../../api/common.js';
import { API_VERSION, GROUP, IMAGE_SECURITY_POLICY, VERSION } from '../../api/group.js';
import type { ImageSecurityPolicyStatus } from '../../api/image-security-policy.js';
import { findCondition, setCondition, type ConditionUpdate } from '../../kube/conditions.js';
import { applyConfigMap, type ConfigMapWrite } from '../../kube/configmaps.js';
import { describeApiError, isApiError, ReasonedError } from '../../kube/errors.js';
import type { EventRecord } from '../../kube/events.js';
import { mergePatchOptions } from '../../kube/patch.js';
import { redeployWorkload, type RedeployAction } from '../../kube/workloads.js';
import type { Logger } from '../../log.js';
import { buildConfigMap } from '../../manifests/configmap.js';
import { hasErrors, renderPolicy, type Finding } from '../../render/index.js';
import type { PolicyObject, PolicyReconcilerDeps } from '../image-security-policy.js';
import { CONDITION, REASON } from './conditions.js';
import {
  planRedeploy,
  restartTokenFor,
  type RedeployPlan,
  type ServiceRender,
} from './redeploy-plan.js';
import { MAX_STATUS_FINDINGS, statusPatch } from './status.js';

/** Largest number of error findings quoted in the Rendered condition message. */
const ERRORS_IN_MESSAGE = 3;

/** The state of one reconcile of one policy, so each step can read what the previous one decided. */
export class PolicyRun {
  private readonly deps: PolicyReconcilerDeps;
  private readonly policy: PolicyObject;
  private readonly log: Logger;
  private readonly now: Date;
  private readonly generation: number | undefined;
  private status: ImageSecurityPolicyStatus;
  private readonly pendingEvents: EventRecord[] = [];

  constructor(deps: PolicyReconcilerDeps, policy: PolicyObject, log: Logger, now: Date) {
    this.deps = deps;
    this.policy = policy;
    this.log = log;
    this.now = now;
    this.generation = policy.metadata.generation;
    this.status = structuredClone(policy.status ?? {});
  }

  /**
   * Renders, writes the ConfigMaps, redeploys and writes status. Rethrows the
   * first failed step after recording it, so the queue retries with backoff.
   */
  async execute(): Promise<void> {
    const rendered = renderPolicy(this.policy.spec);
    const findings = rendered.findings.slice(0, MAX_STATUS_FINDINGS).map(toStatusFinding);
    if (findings.length === 0) {
      delete this.status.findings;
    } else {
      this.status.findings = findings;
    }

    if (hasErrors(rendered)) {
      this.rejectSpec(rendered.findings);
      await this.finish();
      return;
    }
    this.setCondition(
      CONDITION.rendered,
      'True',
      REASON.rendered,
      renderedMessage(rendered.findings),
    );

    const services = this.servicesOf(rendered);
    try {
      await this.writeConfigMaps(services);
      await this.redeploy(services);
    } catch (error) {
      await this.finishWithError(error);
      throw error;
    }

    this.setCondition(CONDITION.ready, 'True', REASON.reconciled, 'Every step succeeded.');
    await this.finish();
  }

  private rejectSpec(findings: readonly Finding[]): void {
    const errors = findings.filter((finding) => finding.severity === 'Error');
    const quoted = errors
      .slice(0, ERRORS_IN_MESSAGE)
      .map((finding) => `${finding.path}: ${finding.message}`)
      .join('; ');
    const more =
      errors.length > ERRORS_IN_MESSAGE
        ? ` (and ${errors.length - ERRORS_IN_MESSAGE} more in status.findings)`
        : '';
    const message = `The spec is invalid, so the last valid ConfigMaps stay in place. ${quoted}${more}`;

    this.setCondition(CONDITION.rendered, 'False', REASON.invalidSpec, message);
    this.setCondition(CONDITION.ready, 'False', REASON.invalidSpec, message);
    this.pendingEvents.push({
      type: 'Warning',
      reason: REASON.invalidSpec,
      action: 'Render',
      note: message,
    });
    this.log.debug({ errors: errors.length }, 'spec is invalid; keeping the last valid ConfigMaps');
  }

  private servicesOf(rendered: ReturnType<typeof renderPolicy>): ServiceRender[] {
    const mode = this.policy.spec.redeploy?.liveReloadableChanges ?? 'Reload';
    const services: ServiceRender[] = [];
    if (rendered.imageService !== undefined) {
      services.push({
        field: 'imageService',
        files: rendered.imageService,
        target: this.policy.spec.targets.imageService,
        restartToken: restartTokenFor('imageService', rendered.imageService, mode),
      });
    }
    const computeTarget = this.policy.spec.targets.computeService;
    if (rendered.computeService !== undefined && computeTarget !== undefined) {
      services.push({
        field: 'computeService',
        files: rendered.computeService,
        target: computeTarget,
        restartToken: restartTokenFor('computeService', rendered.computeService, mode),
      });
    }
    return services;
  }

  private async writeConfigMaps(services: readonly ServiceRender[]): Promise<void> {
    const uid = this.policy.metadata.uid ?? '';
    const description = `ImageSecurityPolicy ${this.policy.metadata.name}`;
    const written: string[] = [];

    for (const service of services) {
      const desired = buildConfigMap(this.policy, service.files);
      let result: ConfigMapWrite;
      try {
        result = await applyConfigMap(this.deps.clients.core, desired, uid, description);
      } catch (error) {
        throw stepError(error, REASON.writeFailed, `writing ConfigMap ${service.files.name}`);
      }
      if (result !== 'Unchanged') {
        written.push(`${service.files.name} (${result.toLowerCase()})`);
        this.log.info({ configMap: service.files.name, result }, 'wrote ConfigMap');
      }
    }

    const names = services.map((service) => service.files.name).join(', ');
    this.setCondition(
      CONDITION.configMapsWritten,
      'True',
      REASON.written,
      `ConfigMaps ${names} contain the rendered files.`,
    );
    if (written.length > 0) {
      this.pendingEvents.push({
        type: 'Normal',
        reason: REASON.written,
        action: 'WriteConfigMap',
        note: `Wrote ConfigMaps ${written.join(', ')}.`,
      });
    }
  }

  private async redeploy(services: readonly ServiceRender[]): Promise<void> {
    const plan = planRedeploy(services, this.status);
    const actions: string[] = [];

    if (plan.mode === 'Restart') {
      for (const service of services) {
        for (const target of service.target.workloads ?? []) {
          let action: RedeployAction;
          try {
            action = await redeployWorkload(
              this.deps.clients,
              this.redeployOwner(),
              target,
              service.restartToken,
            );
          } catch (error) {
            throw stepError(
              error,
              REASON.redeployFailed,
              `redeploying ${target.kind} ${target.name}`,
            );
          }
          if (action !== 'Unchanged') {
            actions.push(
              `${target.kind} ${target.name} (${action === 'Patched' ? 'restarted' : 'Job created'})`,
            );
            this.log.info(
              { kind: target.kind, workload: target.name, action },
              'redeployed workload',
            );
          }
        }
      }
    }

    this.recordRedeploy(plan, actions);
  }

  private recordRedeploy(plan: RedeployPlan, actions: readonly string[]): void {
    const previous = findCondition(this.status.conditions, CONDITION.redeployed);
    // A retry after a failed status write finds nothing left to do for content
    // it already recorded; it must not record a second redeploy.
    const alreadyRecorded =
      actions.length === 0 && this.status.lastRedeploy?.contentHash === plan.contentHash;
    this.status.contentHash = plan.contentHash;
    this.status.restartHash = plan.restartHash;

    if (plan.mode === 'UpToDate' || alreadyRecorded) {
      // Keep the reason of the redeploy that brought the current content, so
      // the condition does not flip (and cause a write) on the next resync.
      if (previous?.status === 'True') {
        this.setCondition(CONDITION.redeployed, 'True', previous.reason, previous.message);
      } else {
        this.setCondition(
          CONDITION.redeployed,
          'True',
          REASON.upToDate,
          'The workloads run with the current content.',
        );
      }
      return;
    }

    const mode = plan.mode === 'Restart' ? 'Restart' : 'LiveReload';
    this.status.lastRedeploy = { mode, time: isoSeconds(this.now), contentHash: plan.contentHash };
    const message =
      plan.mode === 'Restart'
        ? actions.length === 0
          ? 'The restart hash changed; no workload needed a change.'
          : `Restarted for the new content: ${actions.join(', ')}.`
        : 'Only content that the services reload by themselves changed, so no workload restarted.';
    const reason = plan.mode === 'Restart' ? REASON.restarted : REASON.liveReloaded;

    this.setCondition(CONDITION.redeployed, 'True', reason, message);
    this.pendingEvents.push({ type: 'Normal', reason, action: 'Redeploy', note: message });
    this.log.info({ mode, contentHash: plan.contentHash, actions }, 'redeployed');
  }

  private redeployOwner(): { name: string; namespace: string; ownerReference: V1OwnerReference } {
    return {
      name: this.policy.metadata.name,
      namespace: this.policy.metadata.namespace ?? '',
      ownerReference: {
        apiVersion: API_VERSION,
        kind: IMAGE_SECURITY_POLICY.kind,
        name: this.policy.metadata.name,
        uid: this.policy.metadata.uid ?? '',
        controller: true,
        // No blockOwnerDeletion: with the OwnerReferencesPermissionEnforcement
        // admission plugin it needs `update` on imagesecuritypolicies/finalizers,
        // a grant used by no request. Foreground deletion of a policy then does
        // not wait for its ConfigMaps and Jobs, which garbage collection still removes.
      },
    };
  }

  /** Records a failed step in status and an Event; the caller rethrows so the queue retries. */
  private async finishWithError(error: unknown): Promise<void> {
    if (!(error instanceof ReasonedError)) {
      return;
    }
    const conditionType =
      error.reason === REASON.redeployFailed || error.reason === 'WorkloadNotFound'
        ? CONDITION.redeployed
        : CONDITION.configMapsWritten;
    this.setCondition(conditionType, 'False', error.reason, error.message);
    this.setCondition(CONDITION.ready, 'False', error.reason, error.message);
    this.pendingEvents.push({
      type: 'Warning',
      reason: error.reason,
      action: conditionType === CONDITION.redeployed ? 'Redeploy' : 'WriteConfigMap',
      note: error.message,
    });
    try {
      await this.finish();
    } catch (statusError) {
      this.log.warn(
        { err: describeApiError(statusError) },
        'failed to record the failure in status',
      );
    }
  }

  /** Writes status if it changed, then records the Events decided during the run. */
  private async finish(): Promise<void> {
    this.status.observedGeneration = this.generation;
    const patch = statusPatch(this.policy.status, this.status);
    if (patch !== undefined) {
      await this.deps.clients.custom.patchNamespacedCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          namespace: this.policy.metadata.namespace ?? '',
          plural: IMAGE_SECURITY_POLICY.plural,
          name: this.policy.metadata.name,
          // The resourceVersion makes the patch conditional: the catalog
          // controller writes status.catalog and its own conditions, and a
          // patch built from an older read would put their old values back.
          // A conflict fails this reconcile, which is retried with a new read.
          body: {
            metadata: { resourceVersion: this.policy.metadata.resourceVersion },
            status: patch,
          },
        },
        mergePatchOptions(),
      );
      const ready = findCondition(this.status.conditions, CONDITION.ready);
      this.log.info({ ready: ready?.status, reason: ready?.reason }, 'updated status');
    }
    for (const event of this.pendingEvents.splice(0)) {
      await this.deps.events.record(this.policy, event);
    }
  }

  private setCondition(
    type: string,
    status: Condition['status'],
    reason: string,
    message: string,
  ): void {
    const update: ConditionUpdate = {
      type,
      status,
      reason,
      message,
      ...(this.generation === undefined ? {} : { observedGeneration: this.generation }),
    };
    this.status.conditions = setCondition(this.status.conditions, update, this.now);
  }
}

/**
 * Wraps an apiserver failure of a step in a ReasonedError that names the step,
 * so status and the log name what failed. ReasonedErrors pass through
 * unchanged. A 409 Conflict (another writer changed the object since it was
 * read) passes through too: the immediate retry fixes it, so it is not worth
 * a status write.
 */
function stepError(error: unknown, reason: string, step: string): unknown {
  if (error instanceof ReasonedError || isApiError(error, 409)) {
    return error;
  }
  return new ReasonedError(
    reason,
    `Failed ${step}: ${describeApiError(error)}. Retrying with backoff.`,
    { cause: error },
  );
}

function renderedMessage(findings: readonly Finding[]): string {
  const warnings = findings.filter((finding) => finding.severity === 'Warning').length;
  return warnings === 0
    ? 'The spec rendered without findings.'
    : `The spec rendered with ${warnings} warning(s); see status.findings.`;
}

function toStatusFinding(finding: Finding): Finding {
  return {
    severity: finding.severity,
    path: finding.path,
    message: finding.message.slice(0, 2048),
  };
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
