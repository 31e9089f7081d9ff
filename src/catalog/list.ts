import type { GlanceClient, GlanceImage } from '../openstack/glance.js';
import type { Exposure } from './audit.js';

const EXPOSURES: readonly Exposure[] = ['public', 'community'];

/**
 * Lists every public and community image of all projects, os_hidden ones
 * included. Glance leaves os_hidden images out of a listing unless the query
 * sets os_hidden=true, which then lists only those, so each visibility is
 * listed twice. Each listing follows `next` links with pages of up to 1000
 * images. The result is sorted by visibility, name and id, so it is stable.
 */
export async function listPublishedImages(
  glance: Pick<GlanceClient, 'listImages'>,
): Promise<GlanceImage[]> {
  const byId = new Map<string, GlanceImage>();
  for (const visibility of EXPOSURES) {
    for (const hidden of [false, true]) {
      const filters = hidden ? { visibility, os_hidden: true } : { visibility };
      for await (const image of glance.listImages(filters)) {
        byId.set(image.id, image);
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
