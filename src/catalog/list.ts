import type { GlanceClient, GlanceImage } from '../openstack/glance.js';
import type { Exposure } from './audit.js';

const EXPOSURES: readonly Exposure[] = ['public', 'community'];

/**
 * Lists every public and community image of all projects, os_hidden ones
 * included. Glance leaves os_hidden images out of a listing unless the query
 * sets os_hidden=true, which then lists only those, so each visibility is
 * listed twice. Each listing follows `next` links with pages of up to 1000
 * images. The result is sorted by visibility, name and id, so it is stable.
 * `onProgress` receives the number of images listed so far, after each one.
 */
export async function listPublishedImages(
  glance: Pick<GlanceClient, 'listImages'>,
  onProgress?: (listed: number) => void,
): Promise<GlanceImage[]> {
  const byId = new Map<string, GlanceImage>();
  let listed = 0;
  for (const visibility of EXPOSURES) {
    for (const hidden of [false, true]) {
      const filters = hidden ? { visibility, os_hidden: true } : { visibility };
      for await (const image of glance.listImages(filters)) {
        byId.set(image.id, image);
        listed += 1;
        onProgress?.(listed);
      }
    }
  }
  return [...byId.values()].sort(compareImages);
}

function compareImages(a: GlanceImage, b: GlanceImage): number {
  return (
    a.visibility.localeCompare(b.visibility) ||
    (a.name ?? '').localeCompare(b.name ?? '') ||
    a.id.localeCompare(b.id)
  );
}
