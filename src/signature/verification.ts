import {
  constants,
  createHash,
  createVerify,
  type Hash,
  type KeyObject,
  type Verify,
} from 'node:crypto';
import type { HashMethod, KeyType } from '../api/signed-image.js';
import { parseCertificatePem, type Certificate } from './certificate.js';
import { verifyChain, type AbsentPathLength } from './chain.js';
import { matchKeyType } from './key-type.js';
import {
  HASH_BYTES,
  NODE_HASH,
  parseHashMethod,
  parseKeyType,
  parseSignature,
} from './properties.js';
import { failedBeforeRead, type CheckFailure, type VerificationResult } from './result.js';

/** The signature properties of one image, as Glance stores them, and the signing certificate. */
export interface SignatureInput {
  /** `img_signature`: base64 of the raw signature. */
  readonly signature: string;
  readonly hashMethod: string;
  readonly keyType: string;
  readonly certificatePem: string | Buffer;
  /**
   * PEM certificates trusted to issue the signing certificate. When set (even empty), the
   * certificate is validated as Nova does with `enable_certificate_validation`. When undefined,
   * only the signature is checked, as Glance does at upload.
   */
  readonly trustedCertificatesPem?: readonly (string | Buffer)[];
}

export interface VerifyOptions {
  /** Called after each chunk with the total bytes read so far. */
  readonly onProgress?: (bytesRead: number) => void;
  /** Clock for certificate validity checks, by default the system clock. */
  readonly now?: () => Date;
  /** Also returns the data's digest, which hashes the data a second time. */
  readonly computeDigest?: boolean;
  /** Treatment of a signer without pathLenConstraint, as described on `ChainOptions`. */
  readonly absentPathLength?: AbsentPathLength;
}

/** Inputs parsed and checked before any image data is read. */
export interface Prepared {
  readonly hashMethod: HashMethod;
  readonly keyType: KeyType;
  readonly signature: Buffer;
  readonly certificate: Certificate;
  readonly warnings: readonly string[];
}

/**
 * Verification of one image's data after the checks that need no data passed. The stream and
 * file readers both feed it, so they return the same verdict and message for the same bytes.
 */
export class DataVerifier {
  readonly #prepared: Prepared;
  readonly #options: VerifyOptions;
  readonly #verifier: Verify;
  readonly #digest: Hash | undefined;
  #bytesRead = 0;

  constructor(prepared: Prepared, options: VerifyOptions) {
    this.#prepared = prepared;
    this.#options = options;
    this.#verifier = createVerify(NODE_HASH[prepared.hashMethod]);
    this.#digest = options.computeDigest ? createHash(NODE_HASH[prepared.hashMethod]) : undefined;
  }

  /**
   * Hashes the next chunk of image data and reports progress. Node's `update` passes the bytes to
   * OpenSSL before it returns, so the caller may overwrite the chunk's memory afterwards.
   */
  update(chunk: Uint8Array): void {
    this.#verifier.update(chunk);
    this.#digest?.update(chunk);
    this.#bytesRead += chunk.length;
    this.#options.onProgress?.(this.#bytesRead);
  }

  /** Checks the signature over all bytes given to `update` and builds the result. */
  finish(): VerificationResult {
    const { hashMethod, keyType, signature, certificate, warnings } = this.#prepared;
    const bytesRead = this.#bytesRead;
    let matches: boolean;
    let detail = '';
    try {
      matches = this.#verifier.verify(
        verifyKey(keyType, hashMethod, certificate.x509.publicKey),
        signature,
      );
    } catch (error) {
      matches = false;
      detail = `: ${(error as Error).message}`;
    }

    const dataDigest = this.#digest === undefined ? {} : { dataDigest: this.#digest.digest('hex') };
    return {
      reason: matches ? 'Verified' : 'SignatureMismatch',
      verified: matches,
      message: matches
        ? `signature verified over ${bytesRead} bytes with ${keyType} and ${hashMethod}`
        : `signature does not match the ${bytesRead} bytes of image data${detail}; the data or img_signature changed, or another key signed it`,
      bytesRead,
      certificateFingerprint: certificate.fingerprint,
      warnings,
      ...dataDigest,
    };
  }
}

/**
 * Runs every check that needs no image data: hash method, key type, signature encoding,
 * certificate and, with trusted certificates, the chain. Returns the failed result when one of
 * them fails, and otherwise a verifier ready for the data.
 */
export function startVerification(
  input: SignatureInput,
  options: VerifyOptions,
): DataVerifier | VerificationResult {
  const prepared = prepare(input, options);
  if ('failure' in prepared) {
    return failedBeforeRead(prepared.failure, prepared.fingerprint);
  }
  return new DataVerifier(prepared, options);
}

type PrepareFailure = { failure: CheckFailure; fingerprint?: string };

function prepare(input: SignatureInput, options: VerifyOptions): Prepared | PrepareFailure {
  const fail = (failure: CheckFailure, fingerprint?: string): PrepareFailure =>
    fingerprint === undefined ? { failure } : { failure, fingerprint };

  const hashMethod = parseHashMethod(input.hashMethod);
  if (!hashMethod.ok) return fail(hashMethod);
  const keyType = parseKeyType(input.keyType);
  if (!keyType.ok) return fail(keyType);
  const signature = parseSignature(input.signature);
  if (!signature.ok) return fail(signature);
  const parsed = parseCertificatePem(input.certificatePem);
  if (!parsed.ok) return fail(parsed);

  const certificate = parsed.certificate;
  const publicKey = certificate.x509.publicKey;
  const match = matchKeyType(keyType.value, publicKey);
  if (!match.ok) return fail(match, certificate.fingerprint);

  const lengthFailure = checkRsaSignatureLength(keyType.value, publicKey, signature.value);
  if (lengthFailure !== undefined) return fail(lengthFailure, certificate.fingerprint);

  const trust = checkTrust(certificate, input, options);
  if (trust.failure !== undefined) return fail(trust.failure, certificate.fingerprint);

  return {
    hashMethod: hashMethod.value,
    keyType: keyType.value,
    signature: signature.value,
    certificate,
    warnings: [...match.warnings, ...trust.notes],
  };
}

/**
 * Validates the certificate chain when trusted certificates are given. Notes name the trusted
 * certificates that were skipped and why, and are appended to a failure's message.
 */
function checkTrust(
  certificate: Certificate,
  input: SignatureInput,
  options: VerifyOptions,
): { failure?: CheckFailure; notes: string[] } {
  if (input.trustedCertificatesPem === undefined) {
    return { notes: [] };
  }

  const trusted: Certificate[] = [];
  const notes: string[] = [];
  for (const [index, pem] of input.trustedCertificatesPem.entries()) {
    const parsed = parseCertificatePem(pem, `trusted certificate ${index + 1}`);
    // cursive skips a trusted certificate it cannot load, and so does this check.
    if (parsed.ok) {
      trusted.push(parsed.certificate);
    } else {
      notes.push(`${parsed.message}, so it was skipped`);
    }
  }

  const chain = verifyChain(certificate, trusted, {
    now: options.now?.() ?? new Date(),
    ...(options.absentPathLength ? { absentPathLength: options.absentPathLength } : {}),
  });
  notes.push(...chain.skipped);
  if (chain.ok) {
    return { notes };
  }
  const message = [chain.message, ...notes].join('. ');
  return { failure: { reason: chain.reason, message }, notes };
}

/** Checks that an RSA signature is exactly as long as the modulus, because no other length can verify. */
function checkRsaSignatureLength(
  keyType: KeyType,
  publicKey: KeyObject,
  signature: Buffer,
): CheckFailure | undefined {
  if (keyType !== 'RSA-PSS') return undefined;
  const modulusBytes = Math.ceil((publicKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  if (signature.length === modulusBytes) return undefined;
  return {
    reason: 'InvalidSignature',
    message: `img_signature decodes to ${signature.length} bytes, but an RSA-PSS signature for this ${modulusBytes * 8}-bit key is ${modulusBytes} bytes; it was truncated or made with another key`,
  };
}

/**
 * Builds the key and padding options for the final check. RSA-PSS uses MGF1 with the same hash and
 * the maximum salt length, set explicitly because OpenSSL's "max" constant means "detect" when
 * verifying, which would also accept a digest-length salt that cursive rejects.
 */
function verifyKey(keyType: KeyType, hashMethod: HashMethod, key: KeyObject) {
  if (keyType === 'RSA-PSS') {
    const modulusBits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    const encodedBytes = Math.ceil((modulusBits - 1) / 8);
    return {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: encodedBytes - HASH_BYTES[hashMethod] - 2,
    };
  }
  return { key, dsaEncoding: 'der' as const };
}
