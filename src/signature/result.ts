/** Reason for a verification outcome. The first failing check sets it. */
export type VerificationReason =
  | 'Verified'
  | 'SignatureMismatch'
  | 'UnsupportedKeyType'
  | 'KeyTypeMismatch'
  | 'InvalidSignature'
  | 'InvalidHashMethod'
  | 'CertificateInvalid'
  | 'CertificateExpired'
  | 'CertificateNotYetValid'
  | 'UntrustedCertificate';

/** A failed check before any image data is read: the reason and a message naming the fix. */
export interface CheckFailure {
  readonly reason: Exclude<VerificationReason, 'Verified'>;
  readonly message: string;
}

/** The outcome of verifying one image's data against its signature properties. */
export interface VerificationResult {
  readonly reason: VerificationReason;
  /** True exactly when `reason` is `Verified`. */
  readonly verified: boolean;
  readonly message: string;
  /** Image bytes read from the stream, 0 when a check failed before reading. */
  readonly bytesRead: number;
  /** SHA-256 fingerprint of the signing certificate (colon-separated hex), once it parsed. */
  readonly certificateFingerprint?: string;
  /** Hex digest of the data under the signature's hash method, when requested. */
  readonly dataDigest?: string;
  /** Findings that do not fail verification, such as a key type naming another curve. */
  readonly warnings: readonly string[];
}

/** Builds the result for a check that failed before any data was read. */
export function failedBeforeRead(
  failure: CheckFailure,
  certificateFingerprint?: string,
): VerificationResult {
  return {
    reason: failure.reason,
    message: failure.message,
    verified: false,
    bytesRead: 0,
    warnings: [],
    ...(certificateFingerprint === undefined ? {} : { certificateFingerprint }),
  };
}
