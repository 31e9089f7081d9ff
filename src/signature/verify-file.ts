import type { VerificationResult } from './result.js';
import { readFileChunks } from './read-file-chunks.js';
import {
  DataVerifier,
  startVerification,
  type SignatureInput,
  type VerifyOptions,
} from './verification.js';

export interface VerifyFileOptions extends VerifyOptions {
  /** Size of the one read buffer in bytes, by default `FILE_READ_BUFFER_BYTES` (1 MiB). */
  readonly bufferBytes?: number;
}

/**
 * Verifies a local image file against its signature properties, as `verifyImageStream` does for
 * a stream, and returns the same result for the same bytes. The file is read into one reused
 * buffer, so a large file causes no allocation per read and no garbage collection for it. When a
 * check fails before any data is read, the file is not opened. A file that cannot be opened or
 * read throws.
 */
export async function verifyImageFile(
  path: string,
  input: SignatureInput,
  options: VerifyFileOptions = {},
): Promise<VerificationResult> {
  const verifier = startVerification(input, options);
  if (!(verifier instanceof DataVerifier)) {
    return verifier;
  }
  // update() consumes each chunk synchronously, so the buffer can be refilled after it returns.
  await readFileChunks(path, (chunk) => verifier.update(chunk), options.bufferBytes);
  return verifier.finish();
}
