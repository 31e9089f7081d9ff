import type { Readable } from 'node:stream';
import type { VerificationResult } from './result.js';
import {
  DataVerifier,
  startVerification,
  type SignatureInput,
  type VerifyOptions,
} from './verification.js';

export type { SignatureInput, VerifyOptions } from './verification.js';

/**
 * Verifies an image's data against its signature properties, reading the stream once in
 * constant memory. Returns the same verdict as cursive 0.2.3's `get_verifier` (and, with
 * trusted certificates, `verify_certificate`) except where `parseSignature` notes otherwise.
 * When a check fails before any data is read, a Readable is destroyed unread, and another
 * iterable is left alone.
 */
export async function verifyImageStream(
  stream: AsyncIterable<Uint8Array> | Readable,
  input: SignatureInput,
  options: VerifyOptions = {},
): Promise<VerificationResult> {
  const verifier = startVerification(input, options);
  if (!(verifier instanceof DataVerifier)) {
    if ('destroy' in stream) {
      stream.destroy();
    }
    return verifier;
  }
  for await (const chunk of stream as AsyncIterable<Uint8Array>) {
    verifier.update(chunk);
  }
  return verifier.finish();
}
