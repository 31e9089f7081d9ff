/**
 * Pure planning of what one audit pass does to violating images, with the
 * blast-radius limit that stops a wrong allow-list from hiding the catalog.
 */
import {
  PUBLISHED_IMAGES_DEFAULTS,
  type PublishedImageAction,
  type PublishedImages,
} from '../api/published-images.js';
import type { ImageAudit } from './audit.js';

/** A change to one image: set visibility private, or deactivate it. */
export type ImageActionKind = Exclude<PublishedImageAction, 'Report'>;

export interface PlannedAction {
  readonly imageId: string;
  readonly name: string | null;
  readonly action: ImageActionKind;
  /** The audit message that caused the action. */
  readonly reason: string;
}

/** A violating image that needs no action, or cannot take the configured one. */
export interface SkippedImage {
  readonly imageId: string;
  readonly name: string | null;
  readonly reason: string;
}

export interface EnforcementPlan {
  readonly action: PublishedImageAction;
  readonly dryRun: boolean;
  readonly maxActionsPerPass: number;
  readonly violations: number;
  /** Actions the pass needs. They run only when `execute` is true. */
  readonly actions: readonly PlannedAction[];
  readonly skipped: readonly SkippedImage[];
  /** Set when the actions exceed maxActionsPerPass, so the pass changes no image. */
  readonly blocked?: string;
  /** True when the actions should run: not Report, not a dry run and not blocked. */
  readonly execute: boolean;
}

/**
 * Plans the actions for the violations of one audit. When the pass would
 * change more images than maxActionsPerPass it changes none, because a
 * mass violation more likely means a wrong allow-list than a mass leak.
 */
export function planEnforcement(
  config: PublishedImages,
  audits: readonly ImageAudit[],
): EnforcementPlan {
  const action = config.action ?? PUBLISHED_IMAGES_DEFAULTS.action;
  const dryRun = config.dryRun ?? PUBLISHED_IMAGES_DEFAULTS.dryRun;
  const maxActionsPerPass = config.maxActionsPerPass ?? PUBLISHED_IMAGES_DEFAULTS.maxActionsPerPass;
  const violations = audits.filter((audit) => !audit.compliant);

  const actions: PlannedAction[] = [];
  const skipped: SkippedImage[] = [];
  if (action !== 'Report') {
    for (const audit of violations) {
      const skipReason = skipReasonFor(action, audit);
      if (skipReason === undefined) {
        actions.push({ imageId: audit.imageId, name: audit.name, action, reason: audit.message });
      } else {
        skipped.push({ imageId: audit.imageId, name: audit.name, reason: skipReason });
      }
    }
  }

  const base = {
    action,
    dryRun,
    maxActionsPerPass,
    violations: violations.length,
    actions,
    skipped,
  };
  if (actions.length > maxActionsPerPass) {
    return {
      ...base,
      blocked:
        `${actions.length} images would get ${action}, more than ` +
        `spec.publishedImages.maxActionsPerPass (${maxActionsPerPass}), so no image was changed; ` +
        'fix the allow-lists or raise the limit',
      execute: false,
    };
  }
  return { ...base, execute: action !== 'Report' && !dryRun && actions.length > 0 };
}

/**
 * Returns why a violating image gets no action, or undefined when it gets
 * one. Glance deactivates only active images and returns 403 for the others.
 */
function skipReasonFor(action: ImageActionKind, audit: ImageAudit): string | undefined {
  if (action !== 'Deactivate') {
    return undefined;
  }
  if (audit.status === 'deactivated') {
    return 'already deactivated';
  }
  if (audit.status !== 'active') {
    return `status is ${audit.status}, and Glance deactivates only active images`;
  }
  return undefined;
}
