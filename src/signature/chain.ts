import { checkValidity, isIssuer, signingDefect, type Certificate } from './certificate.js';
import type { CheckFailure } from './result.js';

/** Treatment of a signer without pathLenConstraint. */
export type AbsentPathLength = 'reject' | 'unlimited';

export interface ChainOptions {
  readonly now: Date;
  /**
   * `reject` (the default) matches cursive 0.2.3, which compares the missing value with an
   * integer and raises TypeError whenever a signer above the leaf lacks it, so its validation
   * fails. `unlimited` follows RFC 5280 instead.
   */
  readonly absentPathLength?: AbsentPathLength;
}

/** The outcome of chain validation: the chain from trusted root to leaf, or why it failed. */
export type ChainResult =
  | {
      readonly ok: true;
      readonly chain: readonly Certificate[];
      readonly skipped: readonly string[];
    }
  | ({ readonly ok: false; readonly skipped: readonly string[] } & CheckFailure);

const subjectOf = (certificate: Certificate): string =>
  certificate.x509.subject.replace(/\n/g, ', ');

/**
 * Validates `leaf` against trusted certificates the way cursive's `verify_certificate` does.
 * Trusted certificates outside their validity window, or lacking CA:TRUE or keyCertSign, are
 * skipped. The leaf must be within its validity window. The chain is then built upwards by
 * issuer name and signature until it reaches a self-signed trusted certificate, and each signer's
 * pathLenConstraint must allow the intermediates below it.
 */
export function verifyChain(
  leaf: Certificate,
  trusted: readonly Certificate[],
  options: ChainOptions,
): ChainResult {
  const skipped: string[] = [];
  const signers: Certificate[] = [];
  for (const candidate of trusted) {
    const defect =
      checkValidity(candidate, options.now, 'trusted certificate')?.message ??
      signingDefect(candidate);
    if (defect === undefined) {
      signers.push(candidate);
    } else {
      skipped.push(`trusted certificate "${subjectOf(candidate)}" skipped: ${defect}`);
    }
  }

  const leafDates = checkValidity(leaf, options.now);
  if (leafDates !== undefined) {
    return { ok: false, skipped, ...leafDates };
  }

  const chain = buildChain(leaf, signers);
  if (!Array.isArray(chain)) {
    return { ok: false, skipped, ...chain };
  }

  const pathFailure = checkPathLengths(chain, options.absentPathLength ?? 'reject');
  if (pathFailure !== undefined) {
    return { ok: false, skipped, ...pathFailure };
  }
  return { ok: true, chain, skipped };
}

/** Walks issuers upwards to a self-signed signer and returns the chain, root first. */
function buildChain(
  leaf: Certificate,
  signers: readonly Certificate[],
): Certificate[] | CheckFailure {
  const chain = [leaf];
  let current = leaf;
  // cursive loops forever on an issuer cycle. A chain longer than the signer set must be one.
  for (let step = 0; step <= signers.length; step++) {
    const issuer = signers.find((candidate) => isIssuer(candidate, current));
    if (issuer === undefined) {
      const subjectName = current === leaf ? 'the certificate' : `"${subjectOf(current)}"`;
      return {
        reason: 'UntrustedCertificate',
        message:
          `no trusted certificate issued ${subjectName} (issuer "${current.x509.issuer.replace(/\n/g, ', ')}"); ` +
          'add the issuing CA and its root to the trusted certificates, or sign with a certificate they issued',
      };
    }
    if (issuer.x509.raw.equals(current.x509.raw)) {
      return chain;
    }
    chain.unshift(issuer);
    current = issuer;
  }
  return {
    reason: 'UntrustedCertificate',
    message:
      'the trusted certificates issue each other in a cycle without a self-signed root; remove the cross-signed certificates',
  };
}

/**
 * Checks every signer above the leaf: its pathLenConstraint must be at least the number of
 * intermediates between it and the leaf, counting neither itself nor the leaf.
 */
function checkPathLengths(
  chain: readonly Certificate[],
  absentPathLength: AbsentPathLength,
): CheckFailure | undefined {
  const last = chain[chain.length - 1];
  for (let i = 0; i < chain.length; i++) {
    const signer = chain[i];
    if (signer === undefined || last === undefined || signer.x509.raw.equals(last.x509.raw)) {
      break;
    }
    const constraints = signer.fields.basicConstraints;
    const remaining = chain.length - i;
    const intermediates = remaining > 2 ? remaining - 2 : 0;
    if (constraints?.pathLength === undefined) {
      if (absentPathLength === 'unlimited' && constraints !== undefined) {
        continue;
      }
      return {
        reason: 'UntrustedCertificate',
        message:
          `signing certificate "${subjectOf(signer)}" has no pathLenConstraint; cursive 0.2.3 ` +
          'raises TypeError on that, so its certificate validation fails; reissue the CA with a pathlen, such as ' +
          '`basicConstraints=critical,CA:TRUE,pathlen:1`',
      };
    }
    if (constraints.pathLength < intermediates) {
      return {
        reason: 'UntrustedCertificate',
        message: `signing certificate "${subjectOf(signer)}" allows ${constraints.pathLength} intermediate certificates below it (pathLenConstraint) but the chain has ${intermediates}; reissue it with a larger pathlen or shorten the chain`,
      };
    }
  }
  return undefined;
}
