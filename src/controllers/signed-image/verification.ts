import type { Signature } from '../../api/signed-image.js';
import type { GlanceClient, GlanceImage } from '../../openstack/index.js';
import { cacheKey, VerificationCache } from '../../signature/cache.js';
import type { VerificationResult } from '../../signature/result.js';
import { verifyImageStream } from '../../signature/verify-stream.js';
import type { SigningCertificate } from './certificate.js';
import { hasStatus, openStackOutcome } from './openstack-errors.js';
import { OutcomeError, REASON, unknown } from './reasons.js';
import type { TrustedSet } from './trusted.js';

export interface VerificationRequest {
  readonly glance: GlanceClient;
  readonly image: GlanceImage;
  readonly signature: Signature;
  readonly certificate: SigningCertificate;
  readonly trusted: TrustedSet | undefined;
  /** Called with the bytes read so far, after each chunk of a download. */
  readonly onProgress?: (bytesRead: number) => void;
}

export interface VerificationOutput {
  readonly result: VerificationResult;
  /** True when the result came from the cache and no data was downloaded. */
  readonly cached: boolean;
}

/**
 * Verifies images with a cache in front, so an image whose data, signature,
 * certificate and trust set are unchanged is never downloaded twice. Results
 * of a download (Verified and SignatureMismatch) are cached. Checks that fail
 * before any data is read are cheap and may depend on the clock, so they are not.
 */
export class ImageVerifier {
  /** Downloads started since creation, for metrics and tests. */
  downloads = 0;

  constructor(private readonly cache = new VerificationCache()) {}

  async verify(request: VerificationRequest): Promise<VerificationOutput> {
    const { image, signature, certificate, trusted } = request;
    // NOTE: the cache lives in memory, so after a restart every image is downloaded once again.
    const key = cacheKey({
      imageId: image.id,
      osHashValue: image.os_hash_value,
      signature: signature.value,
      hashMethod: signature.hashMethod,
      keyType: signature.keyType,
      certificateFingerprint: certificate.certificate.fingerprint,
      ...(trusted === undefined ? {} : { trustedFingerprints: trusted.fingerprints }),
    });
    const hit = key === undefined ? undefined : this.cache.get(key);
    if (hit !== undefined) {
      return { result: hit, cached: true };
    }

    const result = await this.download(request);
    if (key !== undefined && result.bytesRead > 0) {
      // A Verified result must not outlive the certificate that earned it.
      // NOTE: a trusted CA that expires before the leaf is not taken into account here.
      this.cache.set(key, result, certificate.certificate.x509.validToDate);
    }
    return { result, cached: false };
  }

  private async download(request: VerificationRequest): Promise<VerificationResult> {
    const { glance, image } = request;
    // The download starts only when verifyImageStream reads the first chunk,
    // so checks that fail before reading cost no request.
    const opened = { value: false };
    const data = lazyDownload(glance, image.id, () => {
      opened.value = true;
      this.downloads++;
    });

    let result: VerificationResult;
    try {
      result = await verifyImageStream(
        data,
        {
          signature: request.signature.value,
          hashMethod: request.signature.hashMethod,
          keyType: request.signature.keyType,
          certificatePem: request.certificate.pem,
          ...(request.trusted === undefined
            ? {}
            : { trustedCertificatesPem: request.trusted.pems }),
        },
        request.onProgress === undefined ? {} : { onProgress: request.onProgress },
      );
    } catch (error) {
      if (hasStatus(error, 403) && image.status === 'deactivated') {
        throw new OutcomeError(
          unknown(
            REASON.imageNotActive,
            `image ${image.id} is deactivated and Glance lets only admins download it (HTTP 403); ` +
              "give the operator's cloud user the admin role, or reactivate the image by hand",
          ),
        );
      }
      throw openStackOutcome(error, `downloading the data of image ${image.id}`);
    }

    if (opened.value && image.size !== null && result.bytesRead !== image.size) {
      throw new OutcomeError(
        unknown(
          REASON.incompleteDownload,
          `downloading image ${image.id} returned ${result.bytesRead} of ${image.size} bytes; retrying`,
        ),
        { retry: true },
      );
    }
    return result;
  }
}

async function* lazyDownload(
  glance: GlanceClient,
  id: string,
  onOpen: () => void,
): AsyncGenerator<Uint8Array> {
  onOpen();
  const download = await glance.downloadData(id);
  if (download === undefined) {
    return;
  }
  for await (const chunk of download.stream) {
    yield chunk as Uint8Array;
  }
}
