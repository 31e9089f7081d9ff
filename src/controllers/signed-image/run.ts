import type { Condition } from '../../api/common.js';
import { GROUP, SIGNED_IMAGE, VERSION } from '../../api/group.js';
import type { SignedImageStatus } from '../../api/signed-image.js';
import { findCondition, setCondition } from '../../kube/conditions.js';
import { describeApiError, isApiError, ReasonedError } from '../../kube/errors.js';
import type { EventRecord } from '../../kube/events.js';
import { mergePatchOptions } from '../../kube/patch.js';
import type { ReconcileResult } from '../../kube/reconciler.js';
import type { Logger } from '../../log.js';
import type { GlanceImage, OpenStackClients } from '../../openstack/index.js';
import { resolveCertificate } from './certificate.js';
import { changedNames, desiredProperties, propertyPatch } from './desired-properties.js';
import { decideImageAction } from './failure-action.js';
import { inactiveOutcome, isPending, resolveImage } from './image.js';
import { parseInterval } from './interval.js';
import { readSecretKey } from './kube-inputs.js';
import { hasStatus, openStackOutcome } from './openstack-errors.js';
import {
  CONDITION,
  outcomeOfVerification,
  OutcomeError,
  REASON,
  unknown,
  type Outcome,
} from './reasons.js';
import { isoSeconds, statusPatch } from './status.js';
import { loadTrustedCertificates } from './trusted.js';
import type { SignedImageDeps, SignedImageObject } from './types.js';
import type { ImageVerifier } from './verification.js';

/** Outcomes caused by configuration that no informer watches, so a timed requeue finds the fix. */
const UNWATCHED_REASONS: ReadonlySet<string> = new Set([
  REASON.secretNotFound,
  REASON.secretKeyMissing,
  REASON.invalidCloudsYaml,
  REASON.openStackUnauthorized,
  REASON.imageNotFound,
  REASON.ambiguousImage,
  REASON.trustedCertificateUnavailable,
  REASON.imageUpdateForbidden,
]);

/**
 * One reconcile of one SignedImage: gather the inputs, keep the declared
 * properties on the image, verify its data, act on the verdict, then write
 * status once. Each step that cannot go on throws an OutcomeError, which
 * becomes the Verified and Ready conditions.
 */
export class SignedImageRun {
  private readonly status: SignedImageStatus;
  private readonly events: EventRecord[] = [];
  private readonly generation: number | undefined;
  private image: GlanceImage | undefined;
  private glance: OpenStackClients['glance'] | undefined;
  private progressWrite: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: SignedImageDeps,
    private readonly object: SignedImageObject,
    private readonly log: Logger,
    private readonly now: Date,
  ) {
    this.status = structuredClone(object.status ?? {});
    this.generation = object.metadata.generation;
  }

  async execute(): Promise<ReconcileResult | undefined> {
    let outcome: Outcome;
    let retryCause: unknown;
    let actionError: ReasonedError | undefined;
    try {
      outcome = await this.evaluate();
    } catch (error) {
      if (error instanceof OutcomeError) {
        outcome = error.outcome;
        retryCause = error.retry ? error : undefined;
      } else {
        outcome = unknown(REASON.reconcileFailed, `reconcile failed: ${describeApiError(error)}`);
        retryCause = error;
      }
    }
    await this.progressWrite;

    try {
      await this.act(outcome);
    } catch (error) {
      // The verdict stays in the conditions; the action is retried with backoff.
      const message = `changing the state of image ${this.image?.id} failed: ${describeApiError(error)}`;
      this.events.push({
        type: 'Warning',
        reason: REASON.imageActionFailed,
        action: 'UpdateImageState',
        note: message,
      });
      actionError = new ReasonedError(REASON.imageActionFailed, message, { cause: error });
    }
    this.record(outcome);
    await this.finish();

    if (actionError !== undefined) {
      throw actionError;
    }
    if (retryCause !== undefined) {
      throw new ReasonedError(outcome.reason, outcome.message, { cause: retryCause });
    }
    return this.requeue(outcome);
  }

  /** Gathers the inputs and returns the verdict, or throws an OutcomeError. */
  private async evaluate(): Promise<Outcome> {
    const { spec, metadata } = this.object;
    const namespace = metadata.namespace ?? '';
    const core = this.deps.clients.core;

    const policy = this.deps.getPolicy(namespace, spec.policyRef.name);
    if (policy === undefined) {
      throw new OutcomeError(
        unknown(
          REASON.policyNotFound,
          `spec.policyRef.name: ImageSecurityPolicy ${namespace}/${spec.policyRef.name} was not found; create it or fix the name`,
        ),
      );
    }
    const connection = policy.spec.openstack;
    if (connection === undefined) {
      throw new OutcomeError(
        unknown(
          REASON.openStackNotConfigured,
          `ImageSecurityPolicy ${spec.policyRef.name} has no spec.openstack; add the clouds.yaml Secret and cloud name`,
        ),
      );
    }
    const policyField = `ImageSecurityPolicy ${spec.policyRef.name} spec.openstack`;
    const cloudsYaml = await readSecretKey(
      core,
      namespace,
      connection.credentialsSecretRef,
      `${policyField}.credentialsSecretRef`,
    );
    const caBundle =
      connection.caBundleSecretRef === undefined
        ? undefined
        : await readSecretKey(
            core,
            namespace,
            connection.caBundleSecretRef,
            `${policyField}.caBundleSecretRef`,
          );
    const openstack = await this.deps.connections.get(cloudsYaml, connection.cloud, caBundle);
    this.glance = openstack.glance;

    const trusted = await loadTrustedCertificates(policy.spec.trustedCertificates, {
      core,
      barbican: openstack.barbican,
      namespace,
      policyName: spec.policyRef.name,
    });

    let image = await resolveImage(openstack.glance, spec.image);
    this.image = image;
    this.forgetPreviousImage(image.id);
    this.status.imageId = image.id;
    const inactive = inactiveOutcome(image, this.status.deactivatedByOperator === true);
    if (inactive !== undefined) {
      throw inactive;
    }

    const certificate = await resolveCertificate(spec.certificate, {
      core,
      barbican: openstack.barbican,
      namespace,
      known: {
        ...(this.status.certificateSecretId === undefined
          ? {}
          : { secretId: this.status.certificateSecretId }),
        ...(this.status.certificateFingerprint === undefined
          ? {}
          : { fingerprint: this.status.certificateFingerprint }),
      },
    });
    this.status.certificateSecretId = certificate.secretId;
    this.status.certificateFingerprint = certificate.certificate.fingerprint;
    if (certificate.stored) {
      this.log.info({ secretId: certificate.secretId }, 'stored certificate in Barbican');
      this.events.push({
        type: 'Normal',
        reason: 'CertificateStored',
        action: 'StoreCertificate',
        note: `Stored the certificate from spec.certificate.secretRef in Barbican as secret ${certificate.secretId}.`,
      });
    }

    image = await this.syncProperties(image, certificate.secretId);
    this.image = image;

    let verification: Awaited<ReturnType<ImageVerifier['verify']>>;
    try {
      verification = await this.deps.verifier.verify({
        glance: openstack.glance,
        image,
        signature: spec.signature,
        certificate,
        trusted,
        onProgress: this.progressReporter(image.size),
      });
    } catch (error) {
      this.deps.metrics?.observeVerification('error');
      throw error;
    }
    const { result, cached } = verification;
    if (!cached) {
      this.deps.metrics?.observeVerification(result.verified ? 'verified' : 'failed');
      this.status.progress = {
        bytesVerified: result.bytesRead,
        ...(image.size === null ? {} : { totalBytes: image.size }),
      };
      this.log.info(
        { imageId: image.id, reason: result.reason, bytes: result.bytesRead },
        'verified image data',
      );
    }
    for (const warning of result.warnings) {
      this.log.warn({ imageId: image.id, warning }, 'signature warning');
    }

    if (result.verified) {
      const sameData = this.status.verifiedHash === (image.os_hash_value ?? undefined);
      if (!cached || !sameData || this.status.lastVerified === undefined) {
        this.status.lastVerified = isoSeconds(this.now);
      }
      if (image.os_hash_value !== null) {
        this.status.verifiedHash = image.os_hash_value;
      } else {
        delete this.status.verifiedHash;
      }
    } else {
      delete this.status.verifiedHash;
      delete this.status.lastVerified;
    }
    return outcomeOfVerification(result.reason, result.message);
  }

  /**
   * Drops `deactivatedByOperator` when the spec now names another image, so
   * the flag can never reactivate an image that someone else deactivated.
   * The previous image stays deactivated, because the operator no longer
   * checks it, and a Warning Event reports it.
   */
  private forgetPreviousImage(imageId: string): void {
    const previous = this.status.imageId;
    if (previous === undefined || previous === imageId || !this.status.deactivatedByOperator) {
      return;
    }
    delete this.status.deactivatedByOperator;
    this.log.info(
      { previousImageId: previous, imageId },
      'image changed; previous image stays deactivated',
    );
    this.events.push({
      type: 'Warning',
      reason: REASON.previousImageDeactivated,
      action: 'ResolveImage',
      note:
        `spec.image now resolves to image ${imageId}. Image ${previous}, which this operator ` +
        'deactivated, is no longer checked and stays deactivated; reactivate it by hand if it is trusted.',
    });
  }

  /** Patches the declared signature properties (and visibility) onto the image where they differ. */
  private async syncProperties(
    image: GlanceImage,
    certificateSecretId: string,
  ): Promise<GlanceImage> {
    const operations = propertyPatch(
      image,
      desiredProperties(this.object.spec, certificateSecretId),
    );
    if (operations.length === 0 || this.glance === undefined) {
      return image;
    }
    const names = changedNames(operations);
    let updated: GlanceImage;
    try {
      updated = await this.glance.updateImage(image.id, operations);
    } catch (error) {
      if (hasStatus(error, 403)) {
        throw new OutcomeError(
          unknown(
            REASON.imageUpdateForbidden,
            `Glance refused to set ${names.join(', ')} on image ${image.id} (HTTP 403); give the ` +
              "operator's cloud user a role that the property protections and policy.yaml allow to update them",
          ),
        );
      }
      throw openStackOutcome(error, `setting ${names.join(', ')} on image ${image.id}`);
    }
    this.log.info({ imageId: image.id, properties: names }, 'set declared image properties');
    this.events.push({
      type: 'Normal',
      reason: REASON.propertiesUpdated,
      action: 'UpdateImage',
      note: `Set ${names.join(', ')} on image ${image.id} to the declared values.`,
    });
    return updated;
  }

  /** Deactivates or reactivates the image as the outcome demands. */
  private async act(outcome: Outcome): Promise<void> {
    const image = this.image;
    if (image === undefined || this.glance === undefined) {
      return;
    }
    const action = decideImageAction({
      outcome: outcome.kind,
      onFailure: this.object.spec.onFailure,
      imageStatus: image.status,
      deactivatedByOperator: this.status.deactivatedByOperator === true,
    });
    if (action === 'Deactivate') {
      // The flag is written before the deactivation. If the final status write
      // failed after it, the next reconcile would take the image for one that
      // someone else deactivated and never reactivate it.
      await this.patchStatus({ deactivatedByOperator: true });
      await this.glance.deactivateImage(image.id);
      this.status.deactivatedByOperator = true;
      this.log.info({ imageId: image.id, reason: outcome.reason }, 'deactivated image');
      this.events.push({
        type: 'Warning',
        reason: REASON.deactivated,
        action: 'DeactivateImage',
        note: `Deactivated image ${image.id} because it failed verification (${outcome.reason}).`,
      });
    } else if (action === 'Reactivate') {
      await this.glance.reactivateImage(image.id);
      delete this.status.deactivatedByOperator;
      this.log.info({ imageId: image.id }, 'reactivated image');
      this.events.push({
        type: 'Normal',
        reason: REASON.reactivated,
        action: 'ReactivateImage',
        note: `Reactivated image ${image.id}, which this operator had deactivated, because it verifies again.`,
      });
    } else if (action === 'ClearFlag') {
      delete this.status.deactivatedByOperator;
    }
  }

  /** Sets the conditions from the outcome, with an Event when the Verified condition changes. */
  private record(outcome: Outcome): void {
    const previous = findCondition(this.status.conditions, CONDITION.verified);
    let status: Condition['status'] = 'False';
    if (outcome.kind === 'verified') {
      status = 'True';
    } else if (outcome.kind === 'unknown') {
      status = 'Unknown';
    }
    const deactivated = this.status.deactivatedByOperator === true && outcome.kind === 'verdict';
    const message = deactivated
      ? `${outcome.message}. The image is deactivated until it verifies again.`
      : outcome.message;

    this.setCondition(CONDITION.verified, status, outcome.reason, message);
    this.setCondition(
      CONDITION.ready,
      outcome.kind === 'verified' ? 'True' : 'False',
      outcome.reason,
      outcome.kind === 'verified'
        ? 'The image carries the declared signature and verifies.'
        : message,
    );
    if (previous?.status !== status || previous.reason !== outcome.reason) {
      this.events.push({
        type: outcome.kind === 'verified' ? 'Normal' : 'Warning',
        reason: outcome.reason,
        action: 'Verify',
        note: message,
      });
      this.log.info({ verified: status, reason: outcome.reason }, 'verification outcome changed');
    }
  }

  private setCondition(
    type: string,
    status: Condition['status'],
    reason: string,
    message: string,
  ): void {
    this.status.conditions = setCondition(
      this.status.conditions,
      {
        type,
        status,
        reason,
        message,
        ...(this.generation === undefined ? {} : { observedGeneration: this.generation }),
      },
      this.now,
    );
  }

  /** Writes status when it changed, then the Events decided during the run. */
  private async finish(): Promise<void> {
    if (this.generation !== undefined) {
      this.status.observedGeneration = this.generation;
    }
    const patch = statusPatch(this.object.status, this.status);
    if (patch !== undefined) {
      await this.patchStatus(patch);
    }
    for (const event of this.events.splice(0)) {
      await this.deps.events.record(this.object, event);
    }
  }

  private async patchStatus(status: Record<string, unknown>): Promise<void> {
    try {
      await this.deps.clients.custom.patchNamespacedCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          namespace: this.object.metadata.namespace ?? '',
          plural: SIGNED_IMAGE.plural,
          name: this.object.metadata.name,
          body: { status },
        },
        mergePatchOptions(),
      );
    } catch (error) {
      // A SignedImage deleted during the reconcile has no status left to write.
      if (!isApiError(error, 404)) {
        throw error;
      }
    }
  }

  /**
   * Returns a progress callback that writes `status.progress` at most once per
   * progress interval, so only downloads longer than that interval write it.
   */
  private progressReporter(totalBytes: number | null): (bytesRead: number) => void {
    const intervalMs = this.deps.progressIntervalMs ?? 5000;
    let lastWrite = Date.now();
    return (bytesRead) => {
      const now = Date.now();
      if (now - lastWrite < intervalMs) {
        return;
      }
      lastWrite = now;
      const progress = {
        bytesVerified: bytesRead,
        ...(totalBytes === null ? {} : { totalBytes }),
      };
      this.progressWrite = this.progressWrite
        .then(() => this.patchStatus({ progress }))
        .catch((error: unknown) => {
          this.log.warn({ err: describeApiError(error) }, 'failed to write verification progress');
        });
    };
  }

  /** Chooses when to look at the image again. */
  private requeue(outcome: Outcome): ReconcileResult | undefined {
    const intervalMs = parseInterval(this.object.spec.reverifyInterval, 'spec.reverifyInterval');
    if (
      outcome.reason === REASON.imageNotActive &&
      this.image !== undefined &&
      isPending(this.image)
    ) {
      return { requeueAfterMs: this.deps.pendingImageRequeueMs ?? 15_000 };
    }
    if (UNWATCHED_REASONS.has(outcome.reason) || outcome.reason === REASON.imageNotActive) {
      return { requeueAfterMs: intervalMs ?? this.deps.unwatchedRequeueMs ?? 60_000 };
    }
    return intervalMs === undefined ? undefined : { requeueAfterMs: intervalMs };
  }
}
