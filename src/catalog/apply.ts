import type { GlanceClient } from '../openstack/glance.js';
import type { EnforcementPlan, ImageActionKind } from './enforce.js';

/** The result of one planned action. */
export interface ActionOutcome {
  readonly imageId: string;
  readonly action: ImageActionKind;
  readonly succeeded: boolean;
  /** The error message, which names the request and the HTTP status but no credentials. */
  readonly error?: string;
}

/**
 * Runs the planned actions one at a time when `plan.execute` is true. A
 * failed action does not stop the others, so one locked or deleted image
 * cannot keep the rest of the catalog exposed.
 */
export async function applyPlan(
  glance: Pick<GlanceClient, 'updateImage' | 'deactivateImage'>,
  plan: EnforcementPlan,
): Promise<ActionOutcome[]> {
  if (!plan.execute) {
    return [];
  }
  const outcomes: ActionOutcome[] = [];
  for (const { imageId, action } of plan.actions) {
    try {
      if (action === 'MakePrivate') {
        await glance.updateImage(imageId, [
          { op: 'replace', path: '/visibility', value: 'private' },
        ]);
      } else {
        await glance.deactivateImage(imageId);
      }
      outcomes.push({ imageId, action, succeeded: true });
    } catch (error) {
      outcomes.push({
        imageId,
        action,
        succeeded: false,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return outcomes;
}
