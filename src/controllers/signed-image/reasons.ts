import type { VerificationReason } from '../../signature/result.js';

/** Condition types the SignedImage controller owns. */
export const CONDITION = {
  /** The image data matches the declared signature and certificate. */
  verified: 'Verified',
  /** The image carries the declared properties and the verdict is acted on. */
  ready: 'Ready',
} as const;

/**
 * Reasons shared by conditions and Events. The verdict reasons from
 * verifyImageStream (SignatureMismatch, CertificateExpired and the others)
 * are used unchanged.
 */
export const REASON = {
  verified: 'Verified',
  policyNotFound: 'PolicyNotFound',
  openStackNotConfigured: 'OpenStackNotConfigured',
  secretNotFound: 'SecretNotFound',
  secretKeyMissing: 'SecretKeyMissing',
  invalidCloudsYaml: 'InvalidCloudsYaml',
  openStackUnauthorized: 'OpenStackUnauthorized',
  openStackUnavailable: 'OpenStackUnavailable',
  openStackRequestFailed: 'OpenStackRequestFailed',
  imageNotFound: 'ImageNotFound',
  ambiguousImage: 'AmbiguousImage',
  imageNotActive: 'ImageNotActive',
  certificateNotFound: 'CertificateNotFound',
  certificateInvalid: 'CertificateInvalid',
  trustedCertificateUnavailable: 'TrustedCertificateUnavailable',
  imageUpdateForbidden: 'ImageUpdateForbidden',
  incompleteDownload: 'IncompleteDownload',
  propertiesUpdated: 'PropertiesUpdated',
  deactivated: 'Deactivated',
  reactivated: 'Reactivated',
  imageActionFailed: 'ImageActionFailed',
  reconcileFailed: 'ReconcileFailed',
  previousImageDeactivated: 'PreviousImageDeactivated',
} as const;

/**
 * The certainty of an outcome about the image itself. A `verdict` means the
 * image does not verify as declared, so it may be deactivated. `unverifiable`
 * means there is no single image to check (none or several match), which
 * sets Verified=False but leaves every image alone. `unknown` means the
 * operator could not decide (OpenStack unreachable, configuration missing),
 * so the image is never acted on.
 */
export type OutcomeKind = 'verified' | 'verdict' | 'unverifiable' | 'unknown';

/** The result of one reconcile, before it is written to status. */
export interface Outcome {
  readonly kind: OutcomeKind;
  readonly reason: string;
  readonly message: string;
}

/**
 * Maps a verification result to an outcome. Every reason verifyImageStream
 * returns is a verdict: Glance would reject the upload and Nova the boot.
 */
export function outcomeOfVerification(reason: VerificationReason, message: string): Outcome {
  return reason === 'Verified'
    ? { kind: 'verified', reason: REASON.verified, message }
    : { kind: 'verdict', reason, message };
}

/** An outcome that stops the reconcile early; thrown inside a run and caught at its top. */
export class OutcomeError extends Error {
  readonly outcome: Outcome;
  /** Retry with backoff (true), or wait for a change or the requeue interval (false). */
  readonly retry: boolean;

  constructor(outcome: Outcome, options: { retry?: boolean; cause?: unknown } = {}) {
    super(outcome.message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'OutcomeError';
    this.outcome = outcome;
    this.retry = options.retry ?? false;
  }
}

/** Builds an outcome that leaves the image alone. */
export function unknown(reason: string, message: string): Outcome {
  return { kind: 'unknown', reason, message };
}

/** Builds an outcome for a missing or ambiguous image: Verified=False, no action. */
export function unverifiable(reason: string, message: string): Outcome {
  return { kind: 'unverifiable', reason, message };
}

/** Builds a verdict: the image does not verify as declared. */
export function verdict(reason: string, message: string): Outcome {
  return { kind: 'verdict', reason, message };
}
