/**
 * Image properties that record what the operator changed on an image, so an
 * administrator can see and revert it in Glance, and the pure decision that
 * keeps the operator from fighting a human over one image.
 */
import type { ImageActionKind } from '../../catalog/enforce.js';
import type { GlanceImage, ImagePatchOperation } from '../../openstack/index.js';

const PREFIX = 'xloud_image_security_';

/** Property names the operator sets on an image it changes. */
export const MARKER = {
  changedBy: `${PREFIX}changed_by`,
  changedAt: `${PREFIX}changed_at`,
  action: `${PREFIX}action`,
  previousVisibility: `${PREFIX}previous_visibility`,
  previousStatus: `${PREFIX}previous_status`,
  /** How many times the operator has acted on the image, as a decimal string. */
  enforcements: `${PREFIX}enforcements`,
} as const;

/** Value of the changed_by property. */
export const OPERATOR_NAME = 'image-security-operator';

/**
 * Largest number of times someone may publish an image again after the
 * operator changed it. Beyond it the operator stops acting on the image and
 * reports it as contested, because a human evidently wants it published.
 */
export const MAX_REPUBLICATIONS = 3;

/** The action for one violating image, decided after re-reading it. */
export type EnforcementDecision =
  | { readonly kind: 'act'; readonly enforcements: number }
  | { readonly kind: 'skip'; readonly reason: string }
  | { readonly kind: 'contested'; readonly republications: number };

/**
 * Decides whether to act on a freshly read image. `stillViolates` is the
 * audit of that fresh copy, so a concurrent human fix is not overwritten.
 * Each earlier enforcement recorded on a published image means someone
 * published it again afterwards.
 */
export function decideEnforcement(
  image: Pick<GlanceImage, 'status'> & Readonly<Record<string, unknown>>,
  action: ImageActionKind,
  stillViolates: boolean,
): EnforcementDecision {
  if (!stillViolates) {
    return { kind: 'skip', reason: 'no longer violates the policy' };
  }
  if (action === 'Deactivate' && image.status !== 'active') {
    return { kind: 'skip', reason: `status is ${image.status}, so it cannot be deactivated` };
  }
  const republications = previousEnforcements(image);
  if (republications > MAX_REPUBLICATIONS) {
    return { kind: 'contested', republications };
  }
  return { kind: 'act', enforcements: republications + 1 };
}

/** Counts the enforcements recorded on the image by this operator; 0 when none or unreadable. */
export function previousEnforcements(image: Readonly<Record<string, unknown>>): number {
  if (image[MARKER.changedBy] !== OPERATOR_NAME) {
    return 0;
  }
  const count = Number(image[MARKER.enforcements]);
  return Number.isInteger(count) && count > 0 ? count : 0;
}

/**
 * Builds the JSON patch that records an enforcement on the image. Glance
 * 25.1 returns 409 for `replace` on a missing property (measured on the lab),
 * so the operation follows the fresh copy of the image.
 */
export function markerOperations(
  image: GlanceImage,
  action: ImageActionKind,
  enforcements: number,
  now: Date,
): ImagePatchOperation[] {
  const values: Record<string, string> = {
    [MARKER.changedBy]: OPERATOR_NAME,
    [MARKER.changedAt]: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    [MARKER.action]: action,
    [MARKER.enforcements]: String(enforcements),
    ...(action === 'MakePrivate'
      ? { [MARKER.previousVisibility]: image.visibility }
      : { [MARKER.previousStatus]: image.status }),
  };
  return Object.entries(values).map(([name, value]) => ({
    op: name in image ? 'replace' : 'add',
    path: `/${name}`,
    value,
  }));
}
