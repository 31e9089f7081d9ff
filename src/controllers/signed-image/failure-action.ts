import type { FailureAction } from '../../api/signed-image.js';
import type { OutcomeKind } from './reasons.js';

/** The action on the image that follows a reconcile's outcome. */
export type ImageAction = 'Deactivate' | 'Reactivate' | 'ClearFlag' | 'None';

export interface ActionInput {
  readonly outcome: OutcomeKind;
  readonly onFailure: FailureAction;
  /** Glance status of the image, such as active or deactivated. */
  readonly imageStatus: string;
  /** `status.deactivatedByOperator` from the last reconcile. */
  readonly deactivatedByOperator: boolean;
}

/**
 * Decides the action on the image. Only a verdict deactivates, and only an
 * active image with `onFailure: Deactivate`. Only an image this operator
 * deactivated is reactivated, once it verifies again. An image someone else
 * reactivated clears the flag, so the operator does not later reactivate an
 * image an administrator deactivated. An unknown or
 * unverifiable outcome never acts.
 */
export function decideImageAction(input: ActionInput): ImageAction {
  if (input.outcome === 'unknown' || input.outcome === 'unverifiable') {
    return 'None';
  }
  const deactivated = input.imageStatus === 'deactivated';
  if (input.outcome === 'verdict') {
    if (input.onFailure === 'Deactivate' && input.imageStatus === 'active') {
      return 'Deactivate';
    }
    return 'None';
  }
  if (!input.deactivatedByOperator) {
    return 'None';
  }
  return deactivated ? 'Reactivate' : 'ClearFlag';
}
