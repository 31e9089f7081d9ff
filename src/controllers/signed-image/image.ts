import type { ImageReference } from '../../api/signed-image.js';
import type { GlanceClient, GlanceImage } from '../../openstack/index.js';
import { hasStatus, openStackOutcome } from './openstack-errors.js';
import { OutcomeError, REASON, unknown, unverifiable } from './reasons.js';

/** Glance statuses of an image whose data is still arriving. */
const PENDING_STATUSES: ReadonlySet<string> = new Set([
  'queued',
  'saving',
  'uploading',
  'importing',
]);

/**
 * Finds the image a SignedImage names: by id, or by name and owner. The name
 * listing runs twice, with and without `os_hidden=true`, because Glance leaves
 * hidden images out of a listing unless the query asks for them.
 */
export async function resolveImage(
  glance: GlanceClient,
  reference: ImageReference,
): Promise<GlanceImage> {
  if (reference.id !== undefined) {
    try {
      return await glance.getImage(reference.id);
    } catch (error) {
      if (hasStatus(error, 404)) {
        throw new OutcomeError(
          unverifiable(
            REASON.imageNotFound,
            `spec.image.id: image ${reference.id} was not found in Glance, or the cloud's ` +
              'project cannot see it; fix the id or share the image with that project',
          ),
        );
      }
      throw openStackOutcome(error, `reading image ${reference.id}`);
    }
  }

  const name = reference.name ?? '';
  const owner = reference.owner ?? '';
  const found = new Map<string, GlanceImage>();
  try {
    for (const hidden of [false, true]) {
      const filters = { name, owner, ...(hidden ? { os_hidden: true } : {}) };
      for await (const image of glance.listImages(filters)) {
        found.set(image.id, image);
      }
    }
  } catch (error) {
    throw openStackOutcome(error, `listing images named "${name}"`);
  }

  const images = [...found.values()];
  if (images.length === 0) {
    throw new OutcomeError(
      unverifiable(
        REASON.imageNotFound,
        `spec.image: no image named "${name}" with owner ${owner} is visible to the cloud's ` +
          'project; fix the name or owner, or upload the image',
      ),
    );
  }
  if (images.length > 1) {
    const ids = images.map((image) => image.id).sort();
    throw new OutcomeError(
      unverifiable(
        REASON.ambiguousImage,
        `spec.image: ${images.length} images are named "${name}" with owner ${owner} ` +
          `(${ids.join(', ')}); set spec.image.id to one of them, or rename the others`,
      ),
    );
  }
  return images[0] as GlanceImage;
}

/**
 * Returns an outcome when the image cannot be verified in its current Glance
 * status: data still arriving, an image deactivated by someone else, or a
 * killed or deleted image. Returns undefined for an active image, and for one
 * this operator deactivated, which is checked again so it can be reactivated.
 */
export function inactiveOutcome(
  image: GlanceImage,
  deactivatedByOperator: boolean,
): OutcomeError | undefined {
  if (image.status === 'active') {
    return undefined;
  }
  if (image.status === 'deactivated' && deactivatedByOperator) {
    return undefined;
  }
  const detail = PENDING_STATUSES.has(image.status)
    ? 'its data has not finished uploading; checking again shortly'
    : image.status === 'deactivated'
      ? 'it was deactivated by someone other than this operator, which leaves it alone'
      : 'its data is not available';
  return new OutcomeError(
    unknown(REASON.imageNotActive, `image ${image.id} is ${image.status}: ${detail}`),
  );
}

/** True when the image is still receiving data, so a short requeue is worth it. */
export function isPending(image: GlanceImage): boolean {
  return PENDING_STATUSES.has(image.status);
}
